// `download <rfc>` in index mode: LOOKUP the holders (LIST ALL if LOOKUP names none), GET from each
// in turn until one succeeds, and move the verified file into downloads/ as rfc<n>.txt without ever
// overwriting a file.
import { mkdir, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { RfcRecord } from './codec.js';
import type { IndexClient } from './index-client.js';
import { fetchRfc, type FetchRfcOptions } from './fetch-rfc.js';
import { rfcFileName } from './rfc-files.js';
import { LanmeshError } from '../../errors.js';
import { linkExclusive } from '../../store/place.js';

export interface RfcDownloadInit extends Omit<FetchRfcOptions, 'signal'> {
  /** Where the finished file goes (the peer's downloads/). */
  downloadsDir: string;
  /** Where the file is written while it arrives (e.g. .lanmesh/partial); same file system. */
  partialDir: string;
  signal?: AbortSignal;
  /** Told about a holder that failed when there is a next one to try (the last failure is the rejection). */
  onAttempt?: (holder: RfcRecord, error: Error) => void;
  /**
   * Called as soon as the file is in downloads/, before anything else runs (so before a store
   * watcher can see it): the caller remembers the title the holder listed it under.
   */
  onSaved?: (saved: RfcDownloadResult) => void;
}

export interface RfcDownloadResult {
  path: string;
  bytes: number;
  from: RfcRecord;
  title: string;
  /** Where the holders came from: LOOKUP, or LIST ALL when LOOKUP named none. */
  via: 'LOOKUP' | 'LIST ALL';
  /** The holder's answer was loose enough that the file may hold header lines (fetchRfc). */
  warnings: string[];
}

/** Holders from LOOKUP, ours excluded, each host:port once. */
export function holdersOf(records: readonly RfcRecord[], self: { host: string; port: number }): RfcRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const key = `${r.host}:${r.port}`;
    if ((r.host === self.host && r.port === self.port) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export async function downloadRfc(client: IndexClient, rfc: number, init: RfcDownloadInit): Promise<RfcDownloadResult> {
  const self = { host: client.advertiseHost, port: client.uploadPort };
  let via: RfcDownloadResult['via'] = 'LOOKUP';
  let holders = holdersOf(await client.lookup(rfc), self);
  if (holders.length === 0) {
    // Indexes closer to the spec match LOOKUP on the title too, and ours is a placeholder.
    via = 'LIST ALL';
    holders = holdersOf((await client.listAll()).filter((r) => r.rfc === rfc), self);
  }
  if (holders.length === 0) throw new LanmeshError('NOT_FOUND', `no peer holds RFC ${rfc} (index ${client.server}: LOOKUP and LIST ALL)`);
  const target = join(init.downloadsDir, rfcFileName(rfc));
  await mkdir(init.partialDir, { recursive: true });
  await mkdir(init.downloadsDir, { recursive: true });
  const failures: string[] = [];
  for (const [i, holder] of holders.entries()) {
    if (init.signal?.aborted) break;
    const tmp = join(init.partialDir, `p2pci-rfc${rfc}-${randomBytes(6).toString('hex')}.part`);
    let fetched: { bytes: number; warnings: string[] };
    try {
      fetched = await fetchRfc(holder.host, holder.port, rfc, tmp, init);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      failures.push(`${holder.host}:${holder.port}: ${e.message}`);
      if (i < holders.length - 1 && !init.signal?.aborted) init.onAttempt?.(holder, e);
      continue;
    }
    let placed: boolean;
    try {
      placed = await linkExclusive(tmp, target);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    if (!placed) {
      await unlink(tmp).catch(() => {});
      throw new LanmeshError('IO', `${target} already exists`);
    }
    const saved = { path: target, bytes: fetched.bytes, from: holder, title: holder.title, via, warnings: fetched.warnings };
    try {
      init.onSaved?.(saved);
    } finally {
      await unlink(tmp).catch(() => {});
    }
    return saved;
  }
  throw new LanmeshError('REMOTE_ERROR', `RFC ${rfc}: every holder failed (${failures.join('; ') || 'aborted'})`);
}
