// Hashing off the event loop: one worker thread (hash-worker.ts) takes queued requests one at a
// time and returns each file's chunk hashes (or those of chosen chunks). Up to IN_FLIGHT requests
// are handed to it at once, so it goes on to the next small file without waiting for this thread
// to answer (one round trip per file was most of a small file's cost). close() terminates it.
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

/** Requests handed to the worker at once (it runs them one after another). */
const IN_FLIGHT = 16;

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
  /** Jobs handed to the worker, oldest (the one it is on) first; a job stays here after an abort until the worker answers. */
  private readonly sent: Job[] = [];
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
    else if (this.sent.includes(job)) this.worker?.postMessage({ t: 'cancel', id: job.id } satisfies HashRequest);
    this.settle(job, () => job.reject(job.signal?.reason));
  }

  private settle(job: Job, fn: () => void): void {
    if (job.settled) return;
    job.settled = true;
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    fn();
  }

  private pump(): void {
    if (this.closing) return;
    if (this.sent.length === 0 && this.queue.length === 0) {
      // Idle: do not keep the process alive for an unused worker.
      this.worker?.unref();
      return;
    }
    while (this.sent.length < IN_FLIGHT) {
      const job = this.queue.shift();
      if (!job) return;
      this.sent.push(job);
      const w = this.ensureWorker();
      w.ref();
      w.postMessage({ t: 'hash', id: job.id, path: job.path, chunkSize: job.chunkSize, indices: job.indices } satisfies HashRequest);
    }
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
    // The worker answers in the order it was asked.
    const job = this.sent[0];
    if (!job || job.id !== m.id) return;
    this.sent.shift();
    if (m.t === 'done') this.settle(job, () => job.resolve({ hashes: m.hashes, size: m.size, mtimeMs: m.mtimeMs }));
    else this.settle(job, () => job.reject(new LanmeshError(m.code, m.message)));
    this.pump();
  }

  /** A crashed worker fails only the request it was on; the next request starts a new worker. */
  private onWorkerGone(w: Worker, e: unknown): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    if (this.closing) return;
    const job = this.sent.shift();
    // The others it was handed go to the next worker, first in line as before.
    this.queue.unshift(...this.sent.splice(0).filter((j) => !j.settled));
    if (job) this.settle(job, () => job.reject(new LanmeshError('IO', `hash worker failed on ${job.path}`, { cause: e })));
    this.pump();
  }

  /** Idempotent: fails queued requests and terminates the worker. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const jobs = [...this.sent.splice(0), ...this.queue.splice(0)];
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
