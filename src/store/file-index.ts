// The index of a peer's complete files: reconciles each scan with what is known (unchanged files
// kept, cache hits taken, the rest hashed in the background once they are still), by absolute path.
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { FileId, Manifest } from '../types.js';
import { describeError } from '../errors.js';
import { buildManifest } from './manifest.js';
import type { FileHasher } from './hasher.js';
import type { ManifestCache } from './manifest-cache.js';
import type { Origin, ScannedFile } from './scan.js';

export interface LocalFile {
  manifest: Manifest;
  /** Absolute path. */
  path: string;
  /** Relative to the peer folder, '/'-separated ("shared/a.txt"). */
  relPath: string;
  origin: Origin;
  mtimeMs: number;
}

export interface FileIndexInit {
  chunkSize: number;
  hasher: FileHasher;
  cache: ManifestCache;
  settleMs: number;
  /** The set of files or manifests changed. */
  onChange: () => void;
  /** Something moved under a hash job: scan again. */
  onStale: () => void;
  onWarning: (message: string) => void;
  /** Aborts every job for good (store closing). */
  signal: AbortSignal;
}

interface HashJob {
  key: string;
  ac: AbortController;
  done: Promise<void>;
}

const statKey = (f: { size: number; mtimeMs: number }): string => `${f.size}/${f.mtimeMs}`;

export class FileIndex {
  private readonly byPath = new Map<string, LocalFile>();
  private view: { list: LocalFile[]; byId: Map<FileId, LocalFile[]> } | undefined;
  private readonly jobs = new Map<string, HashJob>();
  /** Files that could not be read (path → stat key): retried once they change. */
  private readonly failed = new Map<string, string>();
  /** put() calls so far, and the count when each path was last put: a scan listed before a put must not undo it. */
  private puts = 0;
  private readonly putAt = new Map<string, number>();

  constructor(private readonly init: FileIndexInit) {
    // One listener for the store's signal, not a combined signal per job (AbortSignal.any per file
    // was a measurable part of indexing many small files).
    init.signal.addEventListener('abort', () => {
      for (const job of this.jobs.values()) job.ac.abort(init.signal.reason);
    }, { once: true });
  }

  files(): LocalFile[] {
    return this.current().list;
  }

  holders(id: FileId): LocalFile[] {
    return this.current().byId.get(id) ?? [];
  }

  /** True when `path` is indexed with this size and mtime (nothing about it to rescan). */
  has(path: string, size: number, mtimeMs: number): boolean {
    const lf = this.byPath.get(path);
    return lf !== undefined && lf.manifest.size === size && lf.mtimeMs === mtimeMs;
  }

  /** A mark to pass to reconcile() for a scan listed from now on. */
  mark(): number {
    return this.puts;
  }

  /**
   * Applies one scan (listed after `since = mark()`): drops what vanished or changed, takes cache
   * hits; returns the hash jobs pending. Files put() after the mark are left as they are.
   */
  reconcile(files: readonly ScannedFile[], since = Infinity): Promise<void>[] {
    const seen = new Map(files.map((f) => [f.path, f]));
    let changed = false;
    for (const [path, lf] of this.byPath) {
      const f = seen.get(path);
      if ((this.putAt.get(path) ?? -1) > since) continue;
      if (!f || f.size !== lf.manifest.size || f.mtimeMs !== lf.mtimeMs) {
        this.byPath.delete(path);
        this.putAt.delete(path);
        changed = true;
      }
    }
    for (const [path, job] of this.jobs) if (seen.get(path) === undefined) job.ac.abort();
    for (const [path, key] of this.failed) {
      const f = seen.get(path);
      if (!f || statKey(f) !== key) this.failed.delete(path);
    }

    const waits: Promise<void>[] = [];
    for (const f of files) {
      if (this.byPath.has(f.path) || this.failed.has(f.path)) continue;
      const cached = this.init.cache.get(f.relPath, f.size, f.mtimeMs, this.init.chunkSize);
      if (cached) {
        this.add(f, cached);
        changed = true;
        continue;
      }
      const job = this.jobs.get(f.path);
      if (job?.key === statKey(f)) {
        waits.push(job.done);
        continue;
      }
      job?.ac.abort();
      waits.push(this.startJob(f));
    }
    this.init.cache.retain(new Set(files.map((f) => f.relPath)));
    if (changed) this.touched();
    return waits;
  }

  /** Indexes `f` with known hashes (and records them in the cache). */
  put(f: ScannedFile, hashes: string[]): LocalFile {
    this.putAt.set(f.path, ++this.puts);
    this.jobs.get(f.path)?.ac.abort();
    const lf = this.add(f, hashes);
    this.init.cache.set(f.relPath, { size: f.size, mtimeMs: f.mtimeMs, chunkSize: this.init.chunkSize, hashes });
    this.touched();
    return lf;
  }

  private add(f: ScannedFile, hashes: string[]): LocalFile {
    const manifest = buildManifest(posix.basename(f.relPath), f.size, this.init.chunkSize, hashes);
    const lf: LocalFile = { manifest, path: f.path, relPath: f.relPath, origin: f.origin, mtimeMs: f.mtimeMs };
    this.byPath.set(f.path, lf);
    return lf;
  }

  /** Settles once every running job has ended (call after aborting them). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.jobs.values()].map((j) => j.done));
  }

  private startJob(f: ScannedFile): Promise<void> {
    const ac = new AbortController();
    if (this.init.signal.aborted) ac.abort(this.init.signal.reason);
    const done = this.runJob(f, ac).finally(() => {
      if (this.jobs.get(f.path)?.ac === ac) this.jobs.delete(f.path);
    });
    this.jobs.set(f.path, { key: statKey(f), ac, done });
    return done;
  }

  /** Waits until the file has been still for settleMs, hashes it, and indexes it. Never rejects. */
  private async runJob(f: ScannedFile, ac: AbortController): Promise<void> {
    const { signal } = ac;
    try {
      const age = Date.now() - f.mtimeMs;
      if (age >= 0 && age < this.init.settleMs) {
        await delay(this.init.settleMs - age, undefined, { signal });
        const now = await stat(f.path).catch(() => undefined);
        if (!now || statKey(now) !== statKey(f)) return this.init.onStale();
      }
      const r = await this.init.hasher.hash(f.path, this.init.chunkSize, signal);
      if (signal.aborted) return;
      // Done: put() must not abort this job (an abort builds an Event and a DOMException, per file).
      if (this.jobs.get(f.path)?.ac === ac) this.jobs.delete(f.path);
      // The worker saw the file hold still while it read it; record the stat it saw.
      this.put({ ...f, size: r.size, mtimeMs: r.mtimeMs }, r.hashes);
    } catch (e) {
      if (signal.aborted) return;
      const now = await stat(f.path).catch(() => undefined);
      if (!now) return;
      // Still being written: a later scan hashes it again.
      if (statKey(now) !== statKey(f)) return this.init.onStale();
      this.failed.set(f.path, statKey(f));
      this.init.onWarning(`cannot read ${f.relPath}: ${describeError(e)}`);
    }
  }

  private touched(): void {
    this.view = undefined;
    this.init.onChange();
  }

  private current(): { list: LocalFile[]; byId: Map<FileId, LocalFile[]> } {
    if (!this.view) {
      const list = [...this.byPath.values()].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
      const byId = new Map<FileId, LocalFile[]>();
      for (const lf of list) {
        const holders = byId.get(lf.manifest.id);
        if (holders) holders.push(lf);
        else byId.set(lf.manifest.id, [lf]);
      }
      this.view = { list, byId };
    }
    return this.view;
  }
}
