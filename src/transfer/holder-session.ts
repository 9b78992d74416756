// The requester's side of one holder during one download: a control connection to the holder's
// sender port (redialled with backoff when lost), the chunks.get requests sent on it and their tokens.
import { dialFramed, RemoteError, type FramedConnection } from '../wire/connection.js';
import type { SocketSecurity } from '../wire/secure-socket.js';
import type { Bitfield } from '../store/bitfield.js';
import type { ChunkIndex, FileId, PeerId } from '../types.js';
import { describeError } from '../errors.js';
import type { TokenTable } from './tokens.js';

/** A holder as the catalog and discovery describe it. */
export interface HolderInfo {
  peer: PeerId;
  name: string;
  address: string;
  senderPort: number;
  have: Bitfield | 'all';
}

export interface SessionHooks {
  fileId: FileId;
  receiverPort: number;
  tokens: TokenTable;
  now: () => number;
  /** Connected: the holder can take requests. */
  onReady(s: HolderSession): void;
  /**
   * Lost (closed, stalled, refused): its outstanding requests are void. Not called after close().
   * `refused`: the holder answered a request with an error (not BUSY), which counts against it.
   */
  onLost(s: HolderSession, why: string, refused: boolean): void;
  onChunk(s: HolderSession, index: ChunkIndex, data: Buffer): void;
  onMissing(s: HolderSession, index: ChunkIndex): void;
  /** chunks.get answered BUSY: these chunks were not taken. */
  onBusy(s: HolderSession, chunks: ChunkIndex[]): void;
  /** An open control connection to this holder to use instead of dialling (the manifest's), if any. */
  adopt?(address: string, senderPort: number): FramedConnection | undefined;
  /** What the dial speaks (a private mesh's TLS-PSK; default plain TCP). */
  security?: SocketSecurity;
}

export type SessionState = 'connecting' | 'ready' | 'backoff' | 'closed';

const CONNECT_TIMEOUT_MS = 5000;
const REQUEST_TIMEOUT_MS = 10_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 5000;

export class HolderSession {
  state: SessionState = 'connecting';
  /** Consecutive failures; 0 once connected. */
  failures = 0;
  lastError: string | undefined;
  /** Last time data (or a chunk.missing) arrived, or a request went out while nothing was outstanding. */
  lastProgress = 0;
  /** No requests before this time (after a BUSY reply). */
  pausedUntil = 0;
  private conn: FramedConnection | undefined;
  private readonly outstanding = new Map<string, Set<ChunkIndex>>();
  /** Requests given up on by lose(): the holder is told to drop them (chunks.cancel) once reconnected. */
  private abandoned: { token: string; chunks: ChunkIndex[] }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly ac = new AbortController();

  constructor(public info: HolderInfo, private readonly hooks: SessionHooks) {}

  get peer(): PeerId {
    return this.info.peer;
  }

  /** Chunks requested and not yet arrived. */
  get inFlight(): number {
    let n = 0;
    for (const s of this.outstanding.values()) n += s.size;
    return n;
  }

  start(): void {
    this.connectSafely();
  }

  /** Ask the holder to stream these chunks to our receiver port under a fresh token. */
  request(chunks: ChunkIndex[]): void {
    const conn = this.conn;
    if (this.state !== 'ready' || !conn || chunks.length === 0) return;
    if (this.inFlight === 0) this.lastProgress = this.hooks.now();
    const pending = new Set(chunks);
    const token = this.hooks.tokens.issue({
      peer: this.info.peer,
      address: this.info.address,
      onChunk: (i, data) => {
        if (!pending.delete(i)) return;
        this.settled(token, pending);
        this.hooks.onChunk(this, i, data);
      },
      onMissing: (i) => {
        if (!pending.delete(i)) return;
        this.settled(token, pending);
        this.hooks.onMissing(this, i);
      },
    });
    this.outstanding.set(token, pending);
    conn
      .request({ t: 'chunks.get', id: this.hooks.fileId, chunks, token, port: this.hooks.receiverPort }, { timeoutMs: REQUEST_TIMEOUT_MS })
      .catch((err: unknown) => {
        if (this.conn !== conn || !this.outstanding.has(token)) return;
        if (err instanceof RemoteError && err.remoteCode === 'BUSY') {
          const back = [...pending];
          this.retire(token);
          this.hooks.onBusy(this, back);
          return;
        }
        this.lose(`request refused: ${describeError(err)}`, true);
      });
  }

  /** Not needed any more (another holder delivered it): tell the holder, drop it when it comes anyway. */
  cancel(index: ChunkIndex): void {
    for (const [token, pending] of this.outstanding) {
      if (!pending.delete(index)) continue;
      this.settled(token, pending);
      this.conn?.send({ t: 'chunks.cancel', token, chunks: [index] }).catch(() => undefined);
      return;
    }
  }

  /** The data connection from this holder closed: chunks it still owed will not come. Returns them. */
  abandonOutstanding(): ChunkIndex[] {
    const back: ChunkIndex[] = [];
    for (const [token, pending] of this.outstanding) {
      back.push(...pending);
      this.retire(token);
    }
    return back;
  }

  /** Treat the holder as lost (stalled, bad reply) and reconnect after a backoff. */
  lose(why: string, refused = false): void {
    if (this.state !== 'ready') return;
    const conn = this.conn;
    this.conn = undefined;
    for (const [token, pending] of this.outstanding) {
      if (pending.size > 0) this.abandoned.push({ token, chunks: [...pending] });
    }
    this.retireAll();
    conn?.close();
    this.failures++;
    this.lastError = why;
    this.backoff();
    this.hooks.onLost(this, why, refused);
  }

  /** For good (holder gone, banned, download over): cancels what is outstanding, then closes. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.ac.abort();
    clearTimeout(this.timer);
    const conn = this.conn;
    this.conn = undefined;
    if (conn) {
      for (const [token, pending] of this.outstanding) {
        if (pending.size > 0) conn.send({ t: 'chunks.cancel', token, chunks: [...pending] }).catch(() => undefined);
      }
      void conn.end(1000);
    }
    this.retireAll();
  }

  private settled(token: string, pending: Set<ChunkIndex>): void {
    this.lastProgress = this.hooks.now();
    if (pending.size === 0) this.retire(token);
  }

  private retire(token: string): void {
    this.outstanding.delete(token);
    this.hooks.tokens.retire(token);
  }

  private retireAll(): void {
    for (const token of [...this.outstanding.keys()]) this.retire(token);
  }

  private async connect(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    const { address, senderPort } = this.info;
    let conn: FramedConnection;
    try {
      conn = this.hooks.adopt?.(address, senderPort) ?? (await dialFramed(address, senderPort, { timeoutMs: CONNECT_TIMEOUT_MS, signal: this.ac.signal, security: this.hooks.security }));
    } catch (e) {
      if (this.isClosed()) return;
      this.failures++;
      this.lastError = describeError(e);
      this.backoff();
      return;
    }
    if (this.isClosed()) {
      conn.close();
      return;
    }
    this.conn = conn;
    conn.on('close', (err?: Error) => {
      if (this.conn === conn) this.lose(err ? describeError(err) : 'connection closed');
    });
    conn.on('warning', () => undefined);
    // Its upload queue may still hold what we gave up on: without this it sends those first (and we drop them).
    for (const { token, chunks } of this.abandoned.splice(0)) {
      conn.send({ t: 'chunks.cancel', token, chunks }).catch(() => undefined);
    }
    this.state = 'ready';
    this.failures = 0;
    this.lastError = undefined;
    this.hooks.onReady(this);
  }

  /** connect() never rejects into the void: whatever goes wrong is this holder's failure, with a retry. */
  private connectSafely(): void {
    this.connect().catch((e: unknown) => {
      if (this.isClosed()) return;
      if (this.state === 'ready') return this.lose(`cannot use this holder: ${describeError(e)}`);
      this.failures++;
      this.lastError = describeError(e);
      this.backoff();
    });
  }

  /** A method, so checks after an await are not narrowed away by the compiler. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private backoff(): void {
    if (this.state === 'closed') return;
    this.state = 'backoff';
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, this.failures - 1));
    this.timer = setTimeout(() => this.connectSafely(), delay);
    this.timer.unref();
  }
}
