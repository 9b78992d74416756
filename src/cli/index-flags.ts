// Pure: the P2P-CI flags → what Peer.start needs (`--index HOST[:PORT]`, `--advertise-host`,
// `--rfc N…`, `--no-mdns`) and the `index-server` subcommand's options, with one clear error each.
import { DEFAULT_INDEX_PORT, isHostToken } from '../compat/p2pci/codec.js';
import type { IndexModeOptions } from '../compat/p2pci/index-mode.js';
import { LanmeshError } from '../errors.js';

/** meow flag definitions (spread into cli.ts's flags). */
export const INDEX_FLAGS = {
  index: { type: 'string' },
  advertiseHost: { type: 'string' },
  rfc: { type: 'string', isMultiple: true },
  mdns: { type: 'boolean', default: true },
  // A string, parsed here: meow turns `--port abc` into NaN and the message could not quote it.
  port: { type: 'string' },
  host: { type: 'string' },
} as const;

export interface IndexFlags {
  index?: string;
  advertiseHost?: string;
  rfc?: string[];
  mdns?: boolean;
  port?: string;
  host?: string;
  quiet?: boolean;
}

/** Flags only the index-server subcommand takes, and flags only a running peer takes. */
export const SERVER_ONLY_FLAGS = ['port', 'host'] as const;
export const PEER_INDEX_FLAGS = ['index', 'advertiseHost', 'rfc', 'mdns'] as const;

const bad = (msg: string) => new LanmeshError('BAD_CONFIG', msg);
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Which of `names` were given (meow's defaults do not count: --mdns only when it was turned off). */
export function givenFlags(flags: IndexFlags, names: readonly (keyof IndexFlags)[]): string[] {
  return names
    .filter((k) => {
      const v = flags[k];
      if (k === 'mdns') return v === false;
      return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== false;
    })
    .map((k) => (k === 'mdns' ? 'no-mdns' : kebab(k)));
}

/** `HOST`, `HOST:PORT`, `[v6]`, `[v6]:PORT`. */
export function parseHostPort(s: string, defaultPort = DEFAULT_INDEX_PORT): { host: string; port: number } {
  const text = s.trim();
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:\s]+)(?::(\d+))?$/.exec(text);
  if (!m) throw bad(`--index takes HOST or HOST:PORT (IPv6 as [ADDR]:PORT), got '${s}'`);
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`--index port must be 1 to 65535, got '${m[2]}'`);
  return { host: m[1]!, port };
}

/** `--rfc 791 --rfc 793`, `--rfc 791,793`, and (extra) the numbers that followed a single `--rfc`. */
export function parseRfcList(values: readonly string[], extra: readonly string[] = []): number[] {
  const out: number[] = [];
  for (const v of [...values, ...extra]) {
    for (const part of v.split(/[,\s]+/).filter(Boolean)) {
      const n = /^(?:rfc)?(\d{1,9})$/i.exec(part);
      if (!n) throw bad(`--rfc takes RFC numbers, got '${part}'`);
      out.push(Number(n[1]));
    }
  }
  return [...new Set(out)];
}

/**
 * `lanmesh --rfc 791 793` reads as `--rfc 791` and the word `793`: when --rfc was given and every
 * word is a number, the words are more RFCs, not a command.
 */
export function splitRfcWords(input: readonly string[], flags: IndexFlags): { words: string[]; extraRfcs: string[] } {
  const numeric = input.length > 0 && input.every((w) => /^(?:rfc)?\d{1,9}$/i.test(w));
  return numeric && (flags.rfc?.length ?? 0) > 0 ? { words: [], extraRfcs: [...input] } : { words: [...input], extraRfcs: [] };
}

/** What a running peer gets from the P2P-CI flags. */
export function parseIndexConfig(flags: IndexFlags, extraRfcs: readonly string[] = []): { index?: IndexModeOptions; mdns: boolean } {
  const server = givenFlags(flags, SERVER_ONLY_FLAGS);
  if (server.length > 0) throw bad(`--${server[0]} goes with lanmesh index-server`);
  const mdns = flags.mdns !== false;
  if (flags.index === undefined) {
    const orphan = givenFlags(flags, ['advertiseHost', 'rfc', 'mdns']);
    if (orphan.length > 0) throw bad(`--${orphan[0]} goes with --index HOST[:PORT]`);
    return { mdns };
  }
  const { host, port } = parseHostPort(flags.index);
  const advertiseHost = flags.advertiseHost?.trim();
  if (flags.advertiseHost !== undefined && !isHostToken(advertiseHost ?? '')) {
    throw bad('--advertise-host must be one word (a host name or address) without control characters');
  }
  const rfcs = parseRfcList(flags.rfc ?? [], extraRfcs);
  return { index: { host, port, advertiseHost, rfcs: rfcs.length > 0 ? rfcs : undefined }, mdns };
}

/** The index-server subcommand's options. */
export function parseIndexServerConfig(flags: IndexFlags, peerFlagsGiven: readonly string[]): { port: number; host: string; quiet: boolean } {
  const peerOnly = [...peerFlagsGiven, ...givenFlags(flags, PEER_INDEX_FLAGS)];
  if (peerOnly.length > 0) throw bad(`--${peerOnly[0]} does not go with index-server (it takes --port, --host, --quiet)`);
  const text = flags.port?.trim();
  if (text !== undefined && !/^\d{1,9}$/.test(text)) throw bad(`--port must be a number 0 to 65535, got '${text}'`);
  const port = text === undefined ? DEFAULT_INDEX_PORT : Number(text);
  if (port > 65535) throw bad(`--port must be 0 to 65535, got ${port}`);
  const host = flags.host?.trim() || '0.0.0.0';
  return { port, host, quiet: flags.quiet === true };
}
