// The seeder side of a pull: one data connection per requester (address + receiver port), dialed
// back on the first chunks.get and reused; queued requests are served in order, one chunk at a time
// per connection, with a cap on chunk uploads running at once across all connections.
import { dialFramed, type FramedConnection } from '../wire/connection.js';
import type { SocketSecurity } from '../wire/secure-socket.js';
import { LanmeshError, describeError } from '../errors.js';
import { logger } from '../log.js';
import type { ChunkIndex, FileId, PeerId } from '../types.js';
import { Slots } from './slots.js';
import type { ChunkPool } from './chunk-pool.js';

/** How long a leaving seeder lets its data links flush what they hold. */
const CLOSE_FLUSH_MS = 1_000;

const log = logger('transfer');

/** A 1 MiB chunk in 20 s is 52 KB/s: a requester slower than that is not reading. */
export const DEFAULT_SEND_TIMEOUT_MS = 20_000;

/** What a seeder can upload: complete files and the held chunks of partial downloads. */
export interface ChunkSource {
  has(id: FileId): boolean;
  /** The chunk's bytes (in a buffer from `alloc` when given); rejects (NOT_FOUND) when this peer does not hold it. */
  readChunk(id: FileId, index: ChunkIndex, alloc?: (length: number) => Buffer): Promise<Buffer>;
}

export interface UploadInit {
  selfId: PeerId;
  source: ChunkSource;
  onWarning: (msg: string) => void;
  /** Chunk uploads running at once, over all connections (default 8); the others queue. */
  slots?: number;
  /** Of those, what one requester address may hold at once (default a quarter of slots). */
  slotsPerAddress?: number;
  /**
   * Longest one chunk may take to leave (the socket to drain) before its connection is closed:
   * a requester that asks and never reads must not hold an upload slot for ever (default 20 s).
   */
  sendTimeoutMs?: number;
  /** Chunks queued per data connection before requests get BUSY (default 1024). */
  maxQueuedPerLink?: number;
  /** Data connections open at once before requests get BUSY (default 64). */
  maxLinks?: number;
  /** Data connections to one address (one host, many receiver ports) before its requests get BUSY (default 4). */
  maxLinksPerAddress?: number;
  dialTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Read buffers, given back once the socket has taken a chunk's bytes. */
  pool?: ChunkPool;
  /** What the dial-backs speak (a private mesh's TLS-PSK; default plain TCP). */
  security?: SocketSecurity;
  /** A chunk of request `token` has left (for the seeder's upload rows). */
  onSent?: (token: string, bytes: number) => void;
}

export interface UploadRequest {
  /** Where the request came from: the only address this seeder dials. */
  address: string;
  port: number;
  id: FileId;
  chunks: ChunkIndex[];
  token: string;
  /** files.get: frame i carries all of the small file ids[i] (its chunk 0); `chunks` are then positions in it. */
  ids?: FileId[];
}

interface Job {
  id: FileId;
  token: string;
  tokenBytes: Buffer;
  chunks: ChunkIndex[];
  ids?: FileId[];
  /** files.get: reads started ahead of their turn (small files: the disk's latency hides behind the sends). */
  ahead?: Map<ChunkIndex, Promise<Buffer>>;
}

/** Bytes a files.get upload leaves in the socket's buffer before it waits for the requester to read. */
const BATCH_BUFFER_BYTES = 1024 * 1024;
/** Small files read ahead per files.get request. */
const READ_AHEAD = 8;

interface Link {
  address: string;
  conn: FramedConnection;
  jobs: Job[];
  queued: number;
  running: boolean;
  /** The pump waits for an upload slot. */
  waitingForSlot: boolean;
}

export class UploadManager {
  private readonly links = new Map<string, Link>();
  private readonly dialing = new Map<string, Promise<Link>>();
  /** Address of each key in `dialing`, so the per-address cap counts links still being dialled. */
  private readonly dialingAddress = new Map<string, string>();
  private readonly slots: Slots;
  private closed = false;
  /** Totals since start, for tests and the bench. */
  readonly stats = { chunks: 0, bytes: 0, missing: 0, stalled: 0 };

  constructor(private readonly init: UploadInit) {
    const capacity = init.slots ?? 8;
    this.slots = new Slots(capacity, init.slotsPerAddress ?? Math.max(1, Math.ceil(capacity / 4)));
  }

  /**
   * Queue a request. Resolves once its data connection is up and the chunks are queued; rejects
   * with BUSY (too much queued), or CONNECTION_CLOSED/TIMEOUT when the requester cannot be reached.
   */
  async enqueue(req: UploadRequest): Promise<void> {
    if (this.closed) throw new LanmeshError('CONNECTION_CLOSED', 'uploads are closed');
    const key = `${req.address}|${req.port}`;
    const link = this.links.get(key) ?? (await this.dial(key, req.address, req.port));
    const max = this.init.maxQueuedPerLink ?? 1024;
    if (link.queued + req.chunks.length > max) {
      throw new LanmeshError('BUSY', `${link.queued} chunks already queued for ${req.address}:${req.port} (at most ${max})`);
    }
    link.jobs.push({ id: req.id, token: req.token, tokenBytes: Buffer.from(req.token, 'hex'), chunks: [...req.chunks], ...(req.ids && { ids: req.ids }) });
    link.queued += req.chunks.length;
    void this.pump(link);
  }

  /** Drop chunks of request `token` not sent yet (only a request from the same address may). */
  cancel(address: string, token: string, chunks: ChunkIndex[]): void {
    const drop = new Set(chunks);
    for (const link of this.links.values()) {
      if (link.address !== address) continue;
      for (const job of link.jobs) {
        if (job.token !== token) continue;
        const before = job.chunks.length;
        job.chunks = job.chunks.filter((i) => !drop.has(i));
        link.queued -= before - job.chunks.length;
      }
      link.jobs = link.jobs.filter((j) => j.chunks.length > 0);
    }
  }

  /** Data connections whose upload waits: for a slot, or for the requester to read (tests, logs). */
  linksWaiting(): number {
    let n = 0;
    for (const l of this.links.values()) if (l.waitingForSlot || l.conn.writeBlocked) n++;
    return n;
  }

  /**
   * Stops uploading. Each data link ends after what was already written (whole frames: a chunk's
   * header and data go out together), bounded by CLOSE_FLUSH_MS, so a requester sees a clean close
   * at a frame boundary when a seeder leaves, not a frame cut short.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.slots.close();
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.all(links.map((l) => l.conn.end(CLOSE_FLUSH_MS)));
  }

  private dial(key: string, address: string, port: number): Promise<Link> {
    let p = this.dialing.get(key);
    if (p) return p;
    const maxLinks = this.init.maxLinks ?? 64;
    if (this.links.size + this.dialing.size >= maxLinks) {
      return Promise.reject(new LanmeshError('BUSY', `already uploading to ${maxLinks} peers`));
    }
    // One host opening many receiver ports must not take every link from the others.
    const perAddress = this.init.maxLinksPerAddress ?? 4;
    let fromAddress = 0;
    for (const l of this.links.values()) if (l.address === address) fromAddress++;
    for (const a of this.dialingAddress.values()) if (a === address) fromAddress++;
    if (fromAddress >= perAddress) {
      return Promise.reject(new LanmeshError('BUSY', `already uploading to ${perAddress} ports at ${address}`));
    }
    p = (async () => {
      const conn = await dialFramed(address, port, {
        timeoutMs: this.init.dialTimeoutMs,
        idleTimeoutMs: this.init.idleTimeoutMs,
        security: this.init.security,
      });
      await conn.send({ t: 'data.hello', peer: this.init.selfId });
      const link: Link = { address, conn, jobs: [], queued: 0, running: false, waitingForSlot: false };
      conn.on('close', () => {
        if (this.links.get(key) === link) this.links.delete(key);
        link.jobs = [];
        link.queued = 0;
      });
      conn.on('warning', (e: Error) => this.init.onWarning(`upload to ${conn.label} dropped: ${describeError(e)}`));
      conn.on('control', (m) => log('ignored %s from %s on a data connection', m.t, conn.label));
      if (this.closed) {
        conn.close();
        throw new LanmeshError('CONNECTION_CLOSED', 'uploads are closed');
      }
      this.links.set(key, link);
      return link;
    })().finally(() => {
      this.dialing.delete(key);
      this.dialingAddress.delete(key);
    });
    this.dialing.set(key, p);
    this.dialingAddress.set(key, address);
    return p;
  }

  private async pump(link: Link): Promise<void> {
    if (link.running) return;
    link.running = true;
    try {
      while (!link.conn.isClosed) {
        const job = link.jobs[0];
        if (!job) break;
        const index = job.chunks.shift()!;
        link.queued--;
        if (job.chunks.length === 0) link.jobs.shift();
        link.waitingForSlot = true;
        const release = await this.slots.acquire(link.address).finally(() => (link.waitingForSlot = false));
        try {
          await this.sendOne(link.conn, job, index);
        } finally {
          release();
        }
      }
    } catch (e) {
      log('upload to %s stopped: %s', link.conn.label, describeError(e));
    } finally {
      link.running = false;
    }
  }

  private read(job: Job, index: ChunkIndex): Promise<Buffer> {
    return job.ids
      ? this.init.source.readChunk(job.ids[index]!, 0, this.init.pool?.take)
      : this.init.source.readChunk(job.id, index, this.init.pool?.take);
  }

  private async sendOne(conn: FramedConnection, job: Job, index: ChunkIndex): Promise<void> {
    let data: Buffer;
    try {
      const early = job.ahead?.get(index);
      job.ahead?.delete(index);
      if (job.ids) {
        const ahead = (job.ahead ??= new Map());
        for (const next of job.chunks.slice(0, READ_AHEAD)) {
          if (ahead.has(next)) continue;
          const p = this.read(job, next);
          p.catch(() => undefined);
          ahead.set(next, p);
        }
      }
      data = await (early ?? this.read(job, index));
    } catch (e) {
      log('chunk %d of %s not served: %s', index, job.id.slice(0, 12), describeError(e));
      this.stats.missing++;
      await conn.send({ t: 'chunk.missing', token: job.token, index });
      return;
    }
    const ms = this.init.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    const timer = setTimeout(() => {
      this.stats.stalled++;
      this.init.onWarning(`upload to ${conn.label} closed: chunk ${index} not taken in ${ms} ms`);
      conn.close(new LanmeshError('TIMEOUT', `chunk ${index} not taken in ${ms} ms`));
    }, ms);
    const pool = this.init.pool;
    try {
      const sending = conn.sendChunk(job.tokenBytes, index, data, pool && (() => pool.give(data)));
      // Small files of a batch: keep writing until about 1 MiB waits in the socket, instead of one
      // drain (one event-loop turn) per 16 KiB file; past that, wait like any chunk (with its deadline).
      if (job.ids && conn.bufferedBytes <= BATCH_BUFFER_BYTES) sending.catch(() => undefined);
      else await sending;
    } finally {
      clearTimeout(timer);
    }
    this.stats.chunks++;
    this.stats.bytes += data.length;
    this.init.onSent?.(job.token, data.length);
  }
}
