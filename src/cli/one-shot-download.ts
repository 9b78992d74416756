// `lanmesh download NAME` as one command: start the download on the shared transfer module, wait for
// its done/failed event (giving up when no holder is reachable for too long), then place the file in
// the output folder under a free name: nothing is ever overwritten.
import { cp, rename, rmdir } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Peer } from '../peer.js';
import type { DownloadEvent, DownloadStart, DownloadSummary } from '../transfer/transfer-service.js';
import { claimFolder, placeExclusive } from '../store/place.js';
import { LanmeshError, describeError } from '../errors.js';

export interface DownloadOnceInit {
  /** How long the download may wait with no holder reachable before it fails. */
  stallMs: number;
  /** Stops waiting (rejecting with its reason); the caller stops the peer, which ends the download. */
  signal?: AbortSignal;
}

type Ended = { ok: true; summary: DownloadSummary } | { ok: false; error: string };

/** Starts the download and resolves with its summary; rejects when it fails or stalls. */
export async function downloadOnce(peer: Peer, query: string, init: DownloadOnceInit): Promise<{ start: DownloadStart; summary: DownloadSummary }> {
  // Listen before starting: a small file can finish before peer.download() resolves.
  const ended = new Map<string, Ended>();
  let wake: (() => void) | undefined;
  let waitingSince: number | undefined;
  let stallTimer: NodeJS.Timeout | undefined;
  let startedId: string | undefined;
  const onEvent = (e: DownloadEvent) => {
    if (e.type === 'done') ended.set(e.summary.id, { ok: true, summary: e.summary });
    else if (e.type === 'failed') ended.set(e.failure.id, { ok: false, error: e.failure.error });
    if (e.type === 'done' || e.type === 'failed') return wake?.();
    if (e.type !== 'state' || e.progress.id !== startedId) return;
    const p = e.progress;
    if (p.state === 'waiting') waitingSince ??= Date.now();
    else waitingSince = undefined;
    armStall();
  };
  const armStall = () => {
    clearTimeout(stallTimer);
    stallTimer = undefined;
    if (waitingSince === undefined) return;
    stallTimer = setTimeout(() => wake?.(), Math.max(0, waitingSince + init.stallMs - Date.now()));
  };
  const onAbort = () => wake?.();
  peer.on('download', onEvent);
  init.signal?.addEventListener('abort', onAbort);
  try {
    init.signal?.throwIfAborted();
    const start = await peer.download(query);
    startedId = start.id;
    if (start.holders === 0) waitingSince = Date.now();
    armStall();
    for (;;) {
      init.signal?.throwIfAborted();
      const end = ended.get(start.id);
      if (end?.ok) return { start, summary: end.summary };
      if (end) throw new LanmeshError('IO', `download ${start.name} failed: ${end.error}`);
      if (waitingSince !== undefined && Date.now() - waitingSince >= init.stallMs) {
        throw new LanmeshError('TIMEOUT', `download ${start.name}: no holder reachable for ${Math.round(init.stallMs / 1000)} s`);
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    init.signal?.removeEventListener('abort', onAbort);
    clearTimeout(stallTimer);
    peer.off('download', onEvent);
  }
}

/**
 * Puts `from` into `dir` under its own name or the next free "name (n).ext", never replacing a file
 * (placeExclusive: a link, or a copy where links cannot cross; `move` drops `from` afterwards).
 */
export function placeFile(from: string, dir: string, move: boolean): Promise<string> {
  return placeExclusive(from, dir, basename(from), { keep: !move });
}

/**
 * Puts the downloaded folder `from` into `dir` as its own name or the next free "name (n)": a folder is
 * made there exclusively, then `from` is renamed onto it (`move`), or copied into it, so nothing is replaced.
 */
export async function placeFolder(from: string, dir: string, move: boolean): Promise<string> {
  const target = await claimFolder(dir, basename(from));
  try {
    if (move) await rename(from, target).catch(() => cp(from, target, { recursive: true, errorOnExist: true, force: false }));
    else await cp(from, target, { recursive: true, errorOnExist: true, force: false });
  } catch (e) {
    await rmdir(target).catch(() => undefined);
    throw new LanmeshError('IO', `cannot place the folder in ${target}: ${describeError(e)}`, { cause: e });
  }
  return target;
}
