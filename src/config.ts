// Pure: CLI flags → a validated peer configuration, with one clear error per mistake.
import { resolve } from 'node:path';
import { LanmeshError } from './errors.js';
import type { PeerInit } from './peer.js';
import { mergeEntries, parseStaticEntry, parseStaticList } from './discovery/static-list.js';
import { checkSecret } from './wire/mesh-keys.js';

export interface PeerFlags {
  transferPort?: number;
  dir?: string;
  name?: string;
  /** `--peer HOST:PORT`, repeatable. */
  peer?: string[];
  /** Pushes from other peers: all | none | ask. */
  accept?: string;
  /** `--secret PHRASE`: a private mesh (else LANMESH_SECRET, else the folder's .lanmesh/secret). */
  secret?: string;
  /** With --accept ask: seconds an offer waits for y/n before it is refused (default 60). */
  askTimeout?: number;
}

const MAX_BASE_PORT = 65535 - 3;

/** `env` is where LANMESH_PEERS (HOST:PORT, separated by commas or spaces) and LANMESH_SECRET are read from. */
export function parsePeerConfig(flags: PeerFlags, cwd: string, env: Record<string, string | undefined> = {}): PeerInit {
  const port = flags.transferPort;
  if (port === undefined) throw new LanmeshError('BAD_CONFIG', 'missing -t PORT (the transfer port; the peer uses PORT..PORT+3)');
  if (!Number.isInteger(port) || port < 0 || port > MAX_BASE_PORT) {
    const got = Number.isNaN(port) ? 'not a number' : String(port);
    throw new LanmeshError('BAD_CONFIG', `-t must be a whole number from 1 to ${MAX_BASE_PORT} (or 0 for any free ports), got ${got}`);
  }
  const name = flags.name?.trim();
  if (flags.name !== undefined && (!name || name.length > 63 || /[\u0000-\u001f]/.test(name))) {
    throw new LanmeshError('BAD_CONFIG', '--name must be 1 to 63 printable characters');
  }
  const accept = flags.accept ?? 'all';
  if (accept !== 'all' && accept !== 'none' && accept !== 'ask') throw new LanmeshError('BAD_CONFIG', `--accept must be all, none or ask, got '${accept}'`);
  const ask = flags.askTimeout;
  if (ask !== undefined && (!Number.isFinite(ask) || ask <= 0 || ask > 3600)) {
    throw new LanmeshError('BAD_CONFIG', `--ask-timeout must be a number of seconds from 0 to 3600, got ${Number.isNaN(ask) ? 'not a number' : ask}`);
  }
  if (ask !== undefined && accept !== 'ask') throw new LanmeshError('BAD_CONFIG', '--ask-timeout goes with --accept ask');
  const staticPeers = mergeEntries(
    (flags.peer ?? []).map((p) => parseStaticEntry(p, '--peer')),
    parseStaticList(env.LANMESH_PEERS ?? '', 'LANMESH_PEERS'),
  );
  const secret = givenSecret(flags.secret, env.LANMESH_SECRET);
  return {
    dir: resolve(cwd, flags.dir ?? '.'), port, name, accept, ...(ask !== undefined && { askTimeoutMs: Math.round(ask * 1000) }), ...(staticPeers.length ? { staticPeers } : {}), ...(secret !== undefined ? { secret } : {}),
  };
}

/** --secret wins over LANMESH_SECRET; an empty variable counts as unset (a flag given empty is a mistake). */
function givenSecret(flag: string | undefined, env: string | undefined): string | undefined {
  if (flag !== undefined) return checkSecret(flag, '--secret');
  if (env !== undefined && env !== '') return checkSecret(env, 'LANMESH_SECRET');
  return undefined;
}
