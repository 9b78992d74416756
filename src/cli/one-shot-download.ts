// `lanmesh download NAME` as one command: start the download on the shared transfer module, wait for
// its done/failed event (giving up when no holder is reachable for too long), then place the file in
// the output folder under a free name: nothing is ever overwritten.
import { basename } from 'node:path';
import type { Peer } from '../peer.js';
import type { DownloadProgress, DownloadStart, DownloadSummary } from '../transfer/transfer-service.js';
import { placeExclusive } from '../store/place.js';
import { LanmeshError } from '../errors.js';

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
  const onDone = (s: DownloadSummary) => (ended.set(s.id, { ok: true, summary: s }), wake?.());
  const onFailed = (f: { id: string; error: string }) => (ended.set(f.id, { ok: false, error: f.error }), wake?.());
  const onState = (p: DownloadProgress) => {
    if (p.id !== startedId) return;
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
  peer.on('download:done', onDone);
  peer.on('download:failed', onFailed);
  peer.on('download:state', onState);
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
    peer.off('download:done', onDone);
    peer.off('download:failed', onFailed);
    peer.off('download:state', onState);
  }
}

/**
 * Puts `from` into `dir` under its own name or the next free "name (n).ext", never replacing a file
 * (placeExclusive: a link, or a copy where links cannot cross; `move` drops `from` afterwards).
 */
export function placeFile(from: string, dir: string, move: boolean): Promise<string> {
  return placeExclusive(from, dir, basename(from), { keep: !move });
}
