// Hashing off the event loop: one worker thread (hash-worker.ts) takes queued requests one at a
// time and returns each file's chunk hashes (or those of chosen chunks). close() terminates it.
import { Worker } from 'node:worker_threads';
import { LanmeshError } from '../errors.js';
import type { HashReply, HashRequest } from './hash-worker.js';
import { MAX_CHUNK_SIZE } from './manifest.js';

/** Chunk hashes of a file, with the size and mtime the file had while it was read (unchanged throughout). */
export interface HashResult {
  hashes: string[];
  size: number;
  mtimeMs: number;
}

/** What the store needs from a hasher (tests inject a counting one). */
export interface FileHasher {
  hash(path: string, chunkSize: number, signal?: AbortSignal): Promise<HashResult>;
  /** Chosen chunks only (optional: without it, partial downloads re-check in the main thread). */
  hashChunks?(path: string, chunkSize: number, indices: number[], signal?: AbortSignal): Promise<string[]>;
  close(): Promise<void>;
}

interface Job {
  id: number;
  path: string;
  chunkSize: number;
  indices: number[] | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  settled: boolean;
  resolve: (r: HashResult) => void;
  reject: (e: unknown) => void;
}

export class Hasher implements FileHasher {
  private worker: Worker | undefined;
  private readonly queue: Job[] = [];
  /** The job the worker is on; stays set after an abort until the worker answers. */
  private current: Job | undefined;
  private nextId = 1;
  private requested = 0;
  private closing: Promise<void> | undefined;

  /** Hash requests accepted so far. */
  get requests(): number {
    return this.requested;
  }

  async hashFile(path: string, chunkSize: number, signal?: AbortSignal): Promise<string[]> {
    return (await this.hash(path, chunkSize, signal)).hashes;
  }

  /** SHA-256 of chunks `indices` of a file (a partial download's data, checked before it is placed). */
  async hashChunks(path: string, chunkSize: number, indices: number[], signal?: AbortSignal): Promise<string[]> {
    return (await this.hash(path, chunkSize, signal, indices)).hashes;
  }

  hash(path: string, chunkSize: number, signal?: AbortSignal, indices?: number[]): Promise<HashResult> {
    if (this.closing) return Promise.reject(new LanmeshError('IO', `hasher is closed (${path})`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0 || chunkSize > MAX_CHUNK_SIZE) {
      return Promise.reject(new LanmeshError('BAD_CONFIG', `invalid chunk size ${chunkSize}`));
    }
    this.requested++;
    return new Promise<HashResult>((resolve, reject) => {
      const job: Job = { id: this.nextId++, path, chunkSize, indices, signal, onAbort: undefined, settled: false, resolve, reject };
      if (signal) {
        job.onAbort = () => this.abort(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  private abort(job: Job): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    else if (this.current === job) this.worker?.postMessage({ t: 'cancel', id: job.id } satisfies HashRequest);
    this.settle(job, () => job.reject(job.signal?.reason));
  }

  private settle(job: Job, fn: () => void): void {
    if (job.settled) return;
    job.settled = true;
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    fn();
  }

  private pump(): void {
    if (this.current || this.closing) return;
    const job = this.queue.shift();
    if (!job) {
      // Idle: do not keep the process alive for an unused worker.
      this.worker?.unref();
      return;
    }
    this.current = job;
    const w = this.ensureWorker();
    w.ref();
    w.postMessage({ t: 'hash', id: job.id, path: job.path, chunkSize: job.chunkSize, indices: job.indices } satisfies HashRequest);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./hash-worker.js', import.meta.url));
    w.on('message', (m: HashReply) => this.onReply(m));
    w.on('error', (e) => this.onWorkerGone(w, e));
    w.on('exit', (code) => this.onWorkerGone(w, new Error(`hash worker exited with code ${code}`)));
    this.worker = w;
    return w;
  }

  private onReply(m: HashReply): void {
    const job = this.current;
    if (!job || job.id !== m.id) return;
    this.current = undefined;
    if (m.t === 'done') this.settle(job, () => job.resolve({ hashes: m.hashes, size: m.size, mtimeMs: m.mtimeMs }));
    else this.settle(job, () => job.reject(new LanmeshError(m.code, m.message)));
    this.pump();
  }

  /** A crashed worker fails only the request it was on; the next request starts a new worker. */
  private onWorkerGone(w: Worker, e: unknown): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    if (this.closing) return;
    const job = this.current;
    this.current = undefined;
    if (job) this.settle(job, () => job.reject(new LanmeshError('IO', `hash worker failed on ${job.path}`, { cause: e })));
    this.pump();
  }

  /** Idempotent: fails queued requests and terminates the worker. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const jobs = [this.current, ...this.queue.splice(0)];
      this.current = undefined;
      for (const job of jobs) {
        if (job) this.settle(job, () => job.reject(new LanmeshError('IO', `hasher closed before hashing ${job.path}`)));
      }
      const w = this.worker;
      this.worker = undefined;
      if (w) await w.terminate();
    })();
    return this.closing;
  }
}
