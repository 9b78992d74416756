// Pure: the static peer list as a user writes it (`--peer HOST:PORT`, `.lanmesh/peers.txt`,
// LANMESH_PEERS). PORT is that peer's T; its sender port T+1 is what gets probed.
import { LanmeshError } from '../errors.js';

export interface StaticEntry {
  host: string;
  /** The peer's T (receiver port); the probe goes to port + 1. */
  port: number;
}

/** At most this many configured entries (a typo'd huge file must not make us dial thousands). */
export const MAX_STATIC_ENTRIES = 64;
const MAX_BASE_PORT = 65535 - 3;
const HOST_RE = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** "HOST:PORT" → an entry; BAD_CONFIG with the reason otherwise. `where` names the source in the error. */
export function parseStaticEntry(text: string, where = '--peer'): StaticEntry {
  const s = text.trim();
  const m = /^(.+):(\d{1,5})$/.exec(s);
  if (!m) throw new LanmeshError('BAD_CONFIG', `${where} wants HOST:PORT (PORT is that peer's -t), got '${s}'`);
  const host = m[1]!;
  const port = Number(m[2]);
  if (!HOST_RE.test(host)) throw new LanmeshError('BAD_CONFIG', `${where}: '${host}' is not a host name or IPv4 address`);
  if (port < 1 || port > MAX_BASE_PORT) throw new LanmeshError('BAD_CONFIG', `${where}: port must be 1..${MAX_BASE_PORT}, got ${port}`);
  return { host, port };
}

/** One entry per line (or separated by commas or spaces); `#` starts a comment. Duplicates go. */
export function parseStaticList(text: string, where: string): StaticEntry[] {
  const out: StaticEntry[] = [];
  text.split('\n').forEach((line, i) => {
    const body = line.replace(/#.*/, '').trim();
    for (const word of body.split(/[\s,]+/).filter(Boolean)) out.push(parseStaticEntry(word, `${where} line ${i + 1}`));
  });
  return mergeEntries(out);
}

/** Concatenates lists without duplicates, capped at MAX_STATIC_ENTRIES. */
export function mergeEntries(...lists: StaticEntry[][]): StaticEntry[] {
  const seen = new Set<string>();
  const out: StaticEntry[] = [];
  for (const e of lists.flat()) {
    const key = entryKey(e);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  if (out.length > MAX_STATIC_ENTRIES) {
    throw new LanmeshError('BAD_CONFIG', `at most ${MAX_STATIC_ENTRIES} static peers, got ${out.length}`);
  }
  return out;
}

export const entryKey = (e: StaticEntry): string => `${e.host.toLowerCase()}:${e.port}`;
