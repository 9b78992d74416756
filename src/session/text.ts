// The one text module of both front ends: sizes, tables, and the lines for downloads and holders
// (progress, the final summary, `where`) and uploads. Pure functions of the transfer module's reports.
import { relative } from 'node:path';
import type { Bitfield } from '../store/bitfield.js';
import type {
  DownloadProgress, DownloadStart, DownloadSummary, DroppedHolder, FolderTally, UploadDone, UploadRow, WhereReport,
} from '../transfer/transfer-service.js';
import type { FolderWhere } from '../transfer/folder-service.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${UNITS[u]}`;
}

/** Left-aligns columns of a table; the last column is not padded. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r) =>
    r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length))).join('  ').trimEnd(),
  );
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function formatRate(bytesPerSec: number): string {
  return `${formatBytes(Math.round(bytesPerSec))}/s`;
}

export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** "0-13,15,17-20" for the set bits; "none" when there are none. */
export function chunkRanges(bits: Bitfield, maxParts = 12): string {
  const parts: string[] = [];
  let i = 0;
  let more = 0;
  while (i < bits.length) {
    if (!bits.has(i)) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < bits.length && bits.has(j + 1)) j++;
    if (parts.length < maxParts) parts.push(i === j ? `${i}` : `${i}-${j}`);
    else more++;
    i = j + 1;
  }
  if (parts.length === 0) return 'none';
  return parts.join(',') + (more > 0 ? ` and ${more} more ranges` : '');
}

export function formatStart(s: DownloadStart): string {
  if (s.folder) return formatFolderStart(s, s.folder);
  const what = `${s.name} (${formatBytes(s.size)}, ${plural(s.chunks, 'chunk')})`;
  const from = s.holders === 0 ? 'no holder reachable yet: waiting for one' : `from ${plural(s.holders, 'holder')}`;
  if (s.via === 'push') return `receiving ${what} pushed by ${s.pushedBy ?? 'another peer'}${s.kept > 0 ? `, ${s.kept} chunks already here` : ''}`;
  if (s.kept > 0) return `resuming ${what}: ${s.kept}/${s.chunks} chunks already here, ${from}`;
  return `downloading ${what} ${from}`;
}

export function formatProgress(p: DownloadProgress): string {
  if (p.folder) {
    return (
      `download ${p.name}: ${p.folder.filesDone}/${plural(p.folder.files, 'file')}, ${p.percent.toFixed(1)}% ` +
      `${formatBytes(p.bytesDone)}/${formatBytes(p.size)} at ${formatRate(p.rate)} from ${plural(p.holders, 'holder')}`
    );
  }
  return (
    `download ${p.name}: ${p.percent.toFixed(1)}% ${formatBytes(p.bytesDone)}/${formatBytes(p.size)} ` +
    `at ${formatRate(p.rate)} from ${plural(p.holders, 'holder')}`
  );
}

/** A change of state worth a line (waiting; running again after waiting), or undefined. */
export function formatState(p: DownloadProgress, wasWaiting: boolean): string | undefined {
  if (p.state === 'waiting' && !wasWaiting && p.folder) {
    return `download ${p.name}: waiting for a holder (${p.folder.filesDone}/${p.folder.files} files here); it goes on by itself when one returns`;
  }
  if (p.state === 'waiting' && !wasWaiting) {
    return `download ${p.name}: waiting for a holder (${p.chunksDone}/${p.chunks} chunks here); it goes on by itself when one returns`;
  }
  if (p.state === 'running' && wasWaiting) return `download ${p.name}: a holder is back, going on`;
  return undefined;
}

export function formatDropped(x: DroppedHolder): string {
  return `download ${x.file}: dropped ${x.name} (${x.address}) from this download: it ${x.reason}`;
}

/** The final line: size, time, rate, each holder's share, and what a resume kept. */
export function formatDone(s: DownloadSummary, peerDir: string): string {
  if (s.folder) return formatFolderDone(s, s.folder, peerDir);
  const total = s.shares.reduce((n, h) => n + h.bytes, 0);
  const shares = s.shares.map((h) => `${h.name} ${formatBytes(h.bytes)} (${total ? Math.round((h.bytes / total) * 100) : 0}%)`);
  const dropped = s.dropped.length ? `; dropped ${s.dropped.map((d) => `${d.name} (bad data)`).join(', ')}` : '';
  return (
    `downloaded ${s.name}: ${formatBytes(s.size)} in ${formatDuration(s.ms)} (${formatRate(s.rate)}) → ${relative(peerDir, s.path)}; ` +
    `from ${shares.length ? shares.join(', ') : 'nobody (nothing was missing)'}; ` +
    `${s.fetched} chunks fetched, ${s.kept} kept, ${s.refetched} refetched${dropped}`
  );
}

function formatFolderStart(s: DownloadStart, f: NonNullable<DownloadStart['folder']>): string {
  const what = `${s.name} (${plural(f.files, 'file')}, ${formatBytes(s.size)})`;
  const from = s.holders === 0 ? 'no holder reachable yet: waiting for one' : `from ${plural(s.holders, 'holder')}`;
  const here = [
    f.kept > 0 ? `${f.kept} already fetched` : '',
    f.copied > 0 ? `${f.copied} copied from this peer's files (${formatBytes(f.savedBytes)} not fetched)` : '',
  ].filter(Boolean);
  return `${f.kept > 0 || s.via === 'resume' ? 'resuming' : 'downloading'} ${what} ${from}${here.length ? `; ${here.join(', ')}` : ''}`;
}

function formatFolderDone(s: DownloadSummary, f: FolderTally, peerDir: string): string {
  const total = s.shares.reduce((n, h) => n + h.bytes, 0);
  const shares = s.shares.map((h) => `${h.name} ${formatBytes(h.bytes)} (${total ? Math.round((h.bytes / total) * 100) : 0}%)`);
  return (
    `downloaded ${s.name}: ${plural(f.files, 'file')}, ${formatBytes(s.size)} in ${formatDuration(s.ms)} (${formatRate(s.rate)}) → ${relative(peerDir, s.path)}/; ` +
    `from ${shares.length ? shares.join(', ') : 'nobody (nothing was missing)'}; ` +
    `${f.fetchedFiles} files fetched, ${f.keptFiles} kept, ${s.refetched} chunks refetched, ${f.copiedFiles} copied locally (${formatBytes(f.savedBytes)} saved)`
  );
}

/** `where` of a folder: its size, files, id and every holder. */
export function formatWhereFolder(w: FolderWhere): string[] {
  const f = w.folder;
  const head = `${f.names[0]}/  ${plural(f.files.length, 'file')}, ${formatBytes(f.size)}  id ${f.id}`;
  const rows = w.holders.map((h) => [h.self ? `${h.name} (this peer)` : h.name, h.address ?? '-', 'whole folder']);
  return [head, plural(w.holders.length, 'holder'), ...table(rows).map((l) => `  ${l}`)];
}

export function formatWhere(r: WhereReport): string[] {
  const { file, chunks } = r;
  const head = `${file.names[0]}  ${formatBytes(file.size)}  ${plural(chunks, 'chunk')}  id ${file.id}`;
  const rows = r.holders.map((h) => [
    h.self ? `${h.name} (this peer)` : h.name,
    h.address ?? '-',
    h.have === 'all' ? `all ${plural(chunks, 'chunk')}` : `${h.have.count()}/${chunks} chunks: ${chunkRanges(h.have)}`,
  ]);
  return [head, `${plural(r.holders.length, 'holder')}`, ...table(rows).map((l) => `  ${l}`)];
}

/** A finished upload: `sent notes.txt to peer2 (554 B)`, or `(12.0 MiB of 24.0 MiB)` when others sent the rest. */
export function formatUploadDone(u: UploadDone): string {
  const amount = u.bytes >= u.size ? formatBytes(u.bytes) : `${formatBytes(u.bytes)} of ${formatBytes(u.size)}`;
  return `sent ${u.name} to ${u.to} (${amount})`;
}

/** A live upload row: `↑ big.bin → peer2  12.0 MiB of 24.0 MiB  40.1 MiB/s`. */
export function formatUploadRow(u: UploadRow): string {
  return `↑ ${u.name} → ${u.to}  ${formatBytes(u.bytes)} of ${formatBytes(u.size)}  ${formatRate(u.rate)}`;
}
