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
  /** Pushes from other peers: all | none. */
  accept?: string;
  /** `--secret PHRASE`: a private mesh (else LANMESH_SECRET, else the folder's .lanmesh/secret). */
  secret?: string;
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
  if (accept !== 'all' && accept !== 'none') throw new LanmeshError('BAD_CONFIG', `--accept must be all or none, got '${accept}'`);
  const staticPeers = mergeEntries(
    (flags.peer ?? []).map((p) => parseStaticEntry(p, '--peer')),
    parseStaticList(env.LANMESH_PEERS ?? '', 'LANMESH_PEERS'),
  );
  const secret = givenSecret(flags.secret, env.LANMESH_SECRET);
  return {
    dir: resolve(cwd, flags.dir ?? '.'), port, name, accept, ...(staticPeers.length ? { staticPeers } : {}), ...(secret !== undefined ? { secret } : {}),
  };
}

/** --secret wins over LANMESH_SECRET; an empty variable counts as unset (a flag given empty is a mistake). */
function givenSecret(flag: string | undefined, env: string | undefined): string | undefined {
  if (flag !== undefined) return checkSecret(flag, '--secret');
  if (env !== undefined && env !== '') return checkSecret(env, 'LANMESH_SECRET');
  return undefined;
}
