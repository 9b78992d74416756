// The counts one download reports: chunks and bytes done, what a resume kept, what this run fetched
// (and fetched again, which a correct resume never does), the recent rate, and the final summary.
import type { Bitfield } from '../store/bitfield.js';
import { chunkRange } from '../store/manifest.js';
import type { ChunkIndex, Manifest, PeerId } from '../types.js';
import { RateMeter } from './rate-meter.js';
import type { HolderStats } from './scheduler.js';
import type { DownloadProgress, DownloadState, DownloadSummary, DroppedHolder } from './download-types.js';

export class DownloadTally {
  /** Chunks verified and durable. */
  readonly done: Bitfield;
  private readonly keptAtStart: Bitfield;
  private readonly kept: number;
  private fetched = 0;
  private refetched = 0;
  private duplicates = 0;
  private bytesDone = 0;
  private fetchedBytes = 0;
  private readonly meter: RateMeter;
  private readonly startedAt: number;
  /** Holder names, kept for the summary after their sessions are gone. */
  private readonly names = new Map<PeerId, string>();

  constructor(
    private readonly manifest: Manifest,
    held: Bitfield,
    private readonly now: () => number,
  ) {
    this.done = held.clone();
    this.keptAtStart = held.clone();
    this.kept = held.count();
    for (let i = 0; i < held.length; i++) if (held.has(i)) this.bytesDone += this.chunkBytes(i);
    this.meter = new RateMeter(now);
    this.startedAt = now();
  }

  named(peer: PeerId, name: string): void {
    this.names.set(peer, name);
  }

  /** Data for chunk i arrived (before it is checked). */
  arrived(i: ChunkIndex): void {
    if (this.keptAtStart.has(i)) this.refetched++;
  }

  duplicate(): void {
    this.duplicates++;
  }

  stored(i: ChunkIndex, bytes: number): void {
    if (this.done.has(i)) return;
    this.done.set(i);
    this.fetched++;
    this.fetchedBytes += bytes;
    this.bytesDone += bytes;
    this.meter.add(bytes);
  }

  /** Forget chunks found damaged on disk (no longer in `held`). */
  resync(held: Bitfield): void {
    for (let i = 0; i < held.length; i++) {
      if (this.done.has(i) && !held.has(i)) {
        this.done.clear(i);
        this.bytesDone -= this.chunkBytes(i);
      }
    }
  }

  progress(state: DownloadState, holders: number, known: number): DownloadProgress {
    const { id, name, size } = this.manifest;
    return {
      id,
      name,
      size,
      chunks: this.manifest.hashes.length,
      chunksDone: this.done.count(),
      bytesDone: this.bytesDone,
      percent: size === 0 ? 100 : Math.floor((this.bytesDone / size) * 1000) / 10,
      rate: this.meter.rate(),
      holders,
      known,
      state,
    };
  }

  summary(path: string, holders: HolderStats[], dropped: DroppedHolder[]): DownloadSummary {
    const ms = Math.max(1, this.now() - this.startedAt);
    const shares = holders
      .filter((h) => h.bytes > 0)
      .map((h) => ({ peer: h.id as PeerId, name: this.names.get(h.id as PeerId) ?? h.id, bytes: h.bytes, chunks: h.chunks }))
      .sort((a, b) => b.bytes - a.bytes);
    return {
      id: this.manifest.id,
      name: this.manifest.name,
      path,
      size: this.manifest.size,
      ms,
      rate: (this.fetchedBytes / ms) * 1000,
      shares,
      kept: this.kept,
      fetched: this.fetched,
      refetched: this.refetched,
      duplicates: this.duplicates,
      dropped,
    };
  }

  private chunkBytes(i: ChunkIndex): number {
    const { start, end } = chunkRange(i, this.manifest.size, this.manifest.chunkSize);
    return end - start;
  }
}
