// The requester's side of one holder in a folder download: small files (at most one chunk each) are
// asked for in batches (files.get, docs/PROTOCOL.md), several batches in flight on one control
// connection, their bytes arriving on the holder's one data connection; every file is checked against
// its id by the caller before it counts.
import { dialFramed, type FramedConnection } from '../wire/connection.js';
import type { FileId, PeerId } from '../types.js';
import { describeError } from '../errors.js';
import type { TokenTable } from './tokens.js';
import type { SocketSecurity } from '../wire/secure-socket.js';

export interface SmallFile {
  path: string;
  id: FileId;
  size: number;
  chunkSize: number;
}

export interface BatchHolderInfo {
  peer: PeerId;
  name: string;
  address: string;
  senderPort: number;
}

export interface BatchHooks {
  tokens: TokenTable;
  /** What the control connection speaks (a private mesh's TLS-PSK; default plain TCP). */
  security?: SocketSecurity;
  receiverPort: number;
  /** The next files to ask this holder for (at most `maxFiles`, about `maxBytes`), [] when none is left. */
  take(maxFiles: number, maxBytes: number): SmallFile[];
  /** Asked and not delivered (lost, missing, refused): back to the queue. */
  giveBack(files: SmallFile[]): void;
  /** A file's bytes: verified and stored by the caller; false when they are not that file. */
  deliver(h: BatchHolder, f: SmallFile, data: Buffer): Promise<boolean>;
  /** The holder cannot be used for this folder any more (bad data, too many failures). */
  onDropped(h: BatchHolder, why: string): void;
}

/** Batches in flight per holder, files per batch, bytes per batch. */
const WINDOW = 4;
const BATCH_FILES = 128;
const BATCH_BYTES = 2 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 5000;
const REQUEST_TIMEOUT_MS = 10_000;
/** No byte for this long while batches are out: the holder is treated as lost (its files go back). */
const STALL_MS = 15_000;
const MAX_STRIKES = 3;

interface Batch {
  token: string;
  files: SmallFile[];
  pending: Set<number>;
}

export class BatchHolder {
  /** Bytes and files this holder delivered (verified). */
  bytes = 0;
  files = 0;
  private conn: FramedConnection | undefined;
  private readonly batches = new Map<string, Batch>();
  private strikes = 0;
  private failures = 0;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private lastData = Date.now();
  private readonly ac = new AbortController();

  constructor(readonly info: BatchHolderInfo, private readonly hooks: BatchHooks) {}

  start(): void {
    void this.connect();
  }

  /** More work may have come back to the queue: ask for it if there is room. */
  kick(): void {
    this.fill();
  }

  get idle(): boolean {
    return this.batches.size === 0;
  }

  /** The data connection from this holder closed: what it owed will not come. */
  linkDown(peer: PeerId, address: string): void {
    if (peer === this.info.peer && address === this.info.address) this.abandon();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ac.abort();
    clearTimeout(this.timer);
    clearInterval(this.stallTimer);
    const conn = this.conn;
    this.conn = undefined;
    this.abandon();
    void conn?.end(500);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    let conn: FramedConnection;
    try {
      conn = await dialFramed(this.info.address, this.info.senderPort, { timeoutMs: CONNECT_TIMEOUT_MS, signal: this.ac.signal, security: this.hooks.security });
    } catch (e) {
      return this.retry(`cannot connect: ${describeError(e)}`);
    }
    if (this.closed) return void conn.close();
    this.conn = conn;
    conn.on('warning', () => undefined);
    conn.on('close', () => {
      if (this.conn !== conn) return;
      this.conn = undefined;
      this.abandon();
      this.retry('connection closed');
    });
    this.failures = 0;
    this.stallTimer ??= setInterval(() => this.checkStall(), 1000);
    this.stallTimer.unref();
    this.fill();
  }

  private retry(why: string): void {
    if (this.closed) return;
    if (++this.failures > 6) return this.drop(`unreachable (${why})`);
    this.timer = setTimeout(() => void this.connect(), Math.min(5000, 250 * 2 ** this.failures));
    this.timer.unref();
  }

  private fill(): void {
    const conn = this.conn;
    while (!this.closed && conn && this.batches.size < WINDOW) {
      const files = this.hooks.take(BATCH_FILES, BATCH_BYTES);
      if (files.length === 0) return;
      this.send(conn, files);
    }
  }

  private send(conn: FramedConnection, files: SmallFile[]): void {
    if (this.batches.size === 0) this.lastData = Date.now();
    const pending = new Set(files.map((_, i) => i));
    const token = this.hooks.tokens.issue({
      peer: this.info.peer,
      address: this.info.address,
      onChunk: (i, data) => {
        if (!pending.delete(i)) return;
        this.lastData = Date.now();
        const f = files[i]!;
        void this.hooks.deliver(this, f, data).then((ok) => {
          if (ok) {
            this.bytes += f.size;
            this.files++;
            this.strikes = 0;
          } else this.drop(`sent bytes that are not ${f.path}`);
        });
        this.settle(token);
      },
      onMissing: (i) => {
        if (!pending.delete(i)) return;
        this.lastData = Date.now();
        this.hooks.giveBack([files[i]!]);
        this.strike(`does not have ${files[i]!.path}`);
        this.settle(token);
      },
    });
    const batch = { token, files, pending };
    this.batches.set(token, batch);
    conn
      .request({ t: 'files.get', ids: files.map((f) => f.id), token, port: this.hooks.receiverPort }, { timeoutMs: REQUEST_TIMEOUT_MS })
      .catch((e: unknown) => {
        if (!this.batches.has(token)) return;
        this.giveUp(batch);
        this.strike(`refused files.get: ${describeError(e)}`);
      });
  }

  private settle(token: string): void {
    const b = this.batches.get(token);
    if (!b || b.pending.size > 0) return;
    this.batches.delete(token);
    this.hooks.tokens.retire(token);
    this.fill();
  }

  private giveUp(b: Batch): void {
    this.batches.delete(b.token);
    this.hooks.tokens.retire(b.token);
    const back = [...b.pending].map((i) => b.files[i]!);
    if (back.length) this.hooks.giveBack(back);
  }

  private abandon(): void {
    for (const b of [...this.batches.values()]) this.giveUp(b);
  }

  private strike(why: string): void {
    if (++this.strikes >= MAX_STRIKES) this.drop(why);
    else setImmediate(() => this.fill());
  }

  private checkStall(): void {
    if (this.batches.size === 0 || Date.now() - this.lastData < STALL_MS) return;
    this.abandon();
    this.strike(`sent nothing for ${STALL_MS / 1000} s`);
  }

  private drop(why: string): void {
    if (this.closed) return;
    this.close();
    this.hooks.onDropped(this, why);
  }
}
