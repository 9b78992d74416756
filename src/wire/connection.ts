// One framed connection over a Duplex (usually a net.Socket): decodes incoming frames into events,
// matches responses to requests by rid (with timeouts), honours write backpressure, and closes
// itself when idle or when the peer breaks the protocol (a warning, never a throw).
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { LanmeshError, describeError } from '../errors.js';
import { logger } from '../log.js';
import { FrameDecoder, encodeChunkHeader, encodeControl } from './frame.js';
import type { Frame } from './frame.js';
import { isResponse, parseControl, validateControl } from './messages.js';
import type { ControlMessage, Exchanges, RequestType } from './messages.js';
import { IdleTimer } from './idle-timer.js';
import { RequestTable } from './requests.js';
import { OPEN_MESH } from './secure-socket.js';
import type {
  AnyRequestBody,
  DialOptions,
  FramedConnectionEvents,
  FramedConnectionInit,
  RequestBody,
  RequestOptions,
} from './connection-types.js';

export { RemoteError } from './requests.js';
export type * from './connection-types.js';

const log = logger('wire');

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_END_GRACE_MS = 5_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** A 16 MiB frame in 60 s needs 280 KB/s; a 1 MiB chunk, 17 KB/s. */
export const DEFAULT_FRAME_TIMEOUT_MS = 60_000;

export class FramedConnection extends EventEmitter<FramedConnectionEvents> {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** `address:port` of the far end, for messages. */
  readonly label: string;
  private readonly decoder: FrameDecoder;
  private readonly requests = new RequestTable();
  private readonly idle: IdleTimer;
  private readonly requestTimeoutMs: number;
  private readonly frameTimeoutMs: number;
  /** Runs while a frame is incomplete; restarted by each frame that completes. */
  private frameTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private ending = false;
  private paused = false;
  private started = false;
  private drain: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | undefined;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  constructor(
    private readonly socket: Duplex,
    init: FramedConnectionInit = {},
  ) {
    super();
    this.decoder = new FrameDecoder(init.maxFrameBytes);
    if (init.transientReads) this.decoder.useTransientInput();
    this.requestTimeoutMs = init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.frameTimeoutMs = init.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS;
    if (socket instanceof Socket) {
      this.remoteAddress = socket.remoteAddress;
      this.remotePort = socket.remotePort;
      socket.setNoDelay(true);
    }
    this.label = init.label ?? (this.remoteAddress ? `${this.remoteAddress}:${this.remotePort}` : 'stream');
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    // Paused until the next tick so that listeners attached after `new` see the first frames,
    // including those in `initial`.
    socket.pause();
    socket.on('error', this.onSocketError);
    socket.on('end', this.onEnd);
    socket.on('close', this.onSocketClose);
    socket.on('drain', this.onDrain);
    process.nextTick(() => this.start(init.initial));
    this.idle = new IdleTimer(
      init.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      () => this.paused || this.requests.size > 0,
      (idleFor) => this.close(new LanmeshError('TIMEOUT', `${this.label}: idle for ${idleFor} ms`)),
    );
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** True while a send waits for the far end to read (the socket is above its high-water mark). */
  get writeBlocked(): boolean {
    return this.drain !== undefined;
  }

  /** Bytes written and not yet taken by the kernel. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  /**
   * Send one control message, validated first as the far end will. Resolves once the socket
   * took it below its high-water mark (after 'drain' otherwise); rejects if the connection closes.
   */
  send(msg: ControlMessage): Promise<void> {
    let frame: Buffer;
    try {
      frame = encodeControl(validateControl(msg));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.write([frame], `${msg.t}`);
  }

  /** Send one chunk frame. data is written as is, not copied: do not modify it afterwards. */
  sendChunk(token: Buffer, index: number, data: Buffer, onWritten?: () => void): Promise<void> {
    let header: Buffer;
    try {
      header = encodeChunkHeader(token, index, data.length);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.write([header, data], `chunk ${index}`, onWritten);
  }

  /**
   * Send a request with a fresh rid; resolves with the response of the matching type. Rejects
   * with RemoteError (REMOTE_ERROR) for an `error` reply, TIMEOUT, CONNECTION_CLOSED, BAD_MESSAGE
   * (wrong response type), or signal.reason.
   */
  request<K extends RequestType>(msg: RequestBody<K>, opts?: RequestOptions): Promise<Exchanges[K]['response']>;
  /** Untyped form: T is the caller's claim about the response (prefer the inferred form above). */
  request<T>(msg: AnyRequestBody, opts?: RequestOptions): Promise<T>;
  request(msg: AnyRequestBody, opts: RequestOptions = {}): Promise<unknown> {
    if (this.closed || this.ending) return Promise.reject(this.closedError(msg.t));
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    const { rid, response } = this.requests.open(msg.t, this.label, timeoutMs, opts.signal);
    this.send({ ...msg, rid } as ControlMessage).catch((err: unknown) => this.requests.fail(rid, err));
    return response;
  }

  /** Change the largest incoming frame accepted (from the next frame on), e.g. once the far end said hello. */
  setMaxFrame(bytes: number): void {
    this.decoder.maxFrame = bytes;
  }

  /** Stop reading from the socket (frames already decoded are still delivered). Not idle while paused. */
  pause(): void {
    this.paused = true;
    if (this.started) this.socket.pause();
  }

  resume(): void {
    this.paused = false;
    this.idle.touch();
    if (this.started && !this.closed) this.socket.resume();
  }

  /** Flush what was sent, half-close, and wait for the far end to close (at most graceMs). */
  async end(graceMs = DEFAULT_END_GRACE_MS): Promise<void> {
    if (this.closed) return;
    if (!this.ending) {
      this.ending = true;
      this.socket.end();
      const grace = setTimeout(() => this.close(), graceMs);
      grace.unref();
      void this.closedPromise.then(() => clearTimeout(grace));
    }
    return this.closedPromise;
  }

  /** Idempotent: destroys the socket, rejects pending requests and waiting sends, emits `close`. */
  close(reason?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.idle.stop();
    clearTimeout(this.frameTimer);
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onSocketClose);
    this.socket.off('drain', this.onDrain);
    // onSocketError stays attached: a late 'error' from a destroyed socket must not crash.
    this.socket.destroy();
    const why = reason ? `: ${reason.message}` : '';
    this.requests.failAll((what) => new LanmeshError('CONNECTION_CLOSED', `${what} failed: connection closed${why}`, { cause: reason }));
    this.drain?.reject(this.closedError('write', reason));
    this.drain = undefined;
    log('%s closed%s', this.label, reason ? `: ${reason.message}` : '');
    this.resolveClosed();
    this.emit('close', reason);
  }

  private start(initial: Buffer | undefined): void {
    this.started = true;
    if (this.closed) return;
    if (initial && initial.length > 0) this.onData(initial);
    if (this.closed) return;
    if (this.socket.destroyed) {
      this.onSocketClose();
      return;
    }
    this.socket.on('data', this.onData);
    if (!this.paused) this.socket.resume();
  }

  /** Chunk bodies received from now on are assembled in buffers from `alloc` (a receive pool). */
  useBodyAllocator(alloc: (length: number) => Buffer): void {
    this.decoder.useBodyAllocator(alloc);
  }

  /** onWritten: the socket is done with the buffers (written out or failed), so they may be reused. */
  private async write(bufs: Buffer[], what: string, onWritten?: () => void): Promise<void> {
    if (this.closed || this.ending || this.socket.destroyed) throw this.closedError(what);
    let ok = true;
    if (bufs.length > 1) this.socket.cork();
    bufs.forEach((b, k) => (ok = this.socket.write(b, k === bufs.length - 1 ? onWritten : undefined) && ok));
    if (bufs.length > 1) this.socket.uncork();
    this.idle.touch();
    if (!ok) await this.drained();
  }

  private drained(): Promise<void> {
    if (!this.drain) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      this.drain = { promise, resolve, reject };
    }
    return this.drain.promise;
  }

  private readonly onDrain = (): void => {
    this.idle.touch();
    this.drain?.resolve();
    this.drain = undefined;
  };

  private readonly onData = (slice: Buffer): void => {
    this.idle.touch();
    let completed = false;
    try {
      // Frame by frame, so a listener that raises the frame limit (after a hello) is in time for
      // the next frame of the same slice. Frames after a close are not delivered.
      this.decoder.pushEach(slice, (frame) => {
        completed = true;
        if (!this.closed) this.dispatch(frame);
      });
    } catch (e) {
      if (!this.closed) this.protocolError(e);
    }
    if (!this.closed) this.frameDeadline(completed);
  };

  /** The deadline runs from the first byte of each frame (a completed frame starts a new one). */
  private frameDeadline(completed: boolean): void {
    if (this.frameTimeoutMs <= 0) return;
    if (this.decoder.bufferedBytes === 0 || completed) {
      clearTimeout(this.frameTimer);
      this.frameTimer = undefined;
    }
    if (this.decoder.bufferedBytes === 0 || this.frameTimer) return;
    const started = Date.now();
    const check = (): void => {
      // Paused by us (backpressure): the far end cannot finish the frame, so the clock waits too.
      if (this.paused) {
        this.frameTimer = setTimeout(check, this.frameTimeoutMs).unref();
        return;
      }
      this.protocolError(new LanmeshError('TIMEOUT', `frame still incomplete after ${Date.now() - started} ms (${this.decoder.bufferedBytes} bytes so far)`));
    };
    this.frameTimer = setTimeout(check, this.frameTimeoutMs).unref();
  }

  private dispatch(frame: Frame): void {
    if (frame.kind === 'chunk') {
      this.deliver('chunk', frame);
      return;
    }
    let msg: ControlMessage;
    try {
      msg = parseControl(frame.body);
    } catch (e) {
      this.protocolError(e);
      return;
    }
    if (!isResponse(msg)) {
      this.deliver('control', msg);
      return;
    }
    const dropped = this.requests.answer(msg, this.label);
    if (dropped) this.warn(dropped);
  }

  /** Emit to the owner's listeners; a listener that throws closes this connection, not the process. */
  private deliver<K extends 'control' | 'chunk'>(event: K, ...args: FramedConnectionEvents[K]): void {
    try {
      (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
    } catch (e) {
      this.protocolError(new LanmeshError('IO', `${event} listener threw: ${describeError(e)}`, { cause: e }));
    }
  }

  private protocolError(e: unknown): void {
    const err =
      e instanceof LanmeshError
        ? new LanmeshError(e.code, `${this.label}: ${e.message}`, { cause: e })
        : new LanmeshError('BAD_FRAME', `${this.label}: ${describeError(e)}`, { cause: e });
    this.warn(err);
    this.close(err);
  }

  private warn(err: Error): void {
    log('warning: %s', err.message);
    this.emit('warning', err);
  }

  private readonly onEnd = (): void => {
    if (this.decoder.bufferedBytes > 0) {
      this.protocolError(new LanmeshError('BAD_FRAME', `stream ended inside a frame (${this.decoder.bufferedBytes} bytes buffered)`));
    } else {
      this.close();
    }
  };

  private readonly onSocketClose = (): void => {
    const partial = !this.ending && this.decoder.bufferedBytes > 0;
    this.close(partial ? new LanmeshError('CONNECTION_CLOSED', `${this.label}: closed inside a frame`) : undefined);
  };

  private readonly onSocketError = (e: Error): void => {
    if (this.closed) return;
    this.close(new LanmeshError('CONNECTION_CLOSED', `${this.label}: ${e.message}`, { cause: e }));
  };

  private closedError(what: string, reason?: Error): LanmeshError {
    return new LanmeshError('CONNECTION_CLOSED', `${what} to ${this.label}: connection ${this.ending && !this.closed ? 'ending' : 'closed'}`, { cause: reason });
  }
}

/**
 * Connect over TCP (TLS-PSK on a private mesh: opts.security); rejects with TIMEOUT, CONNECTION_CLOSED
 * (refused, unreachable, handshake failed: see cause) or signal.reason.
 */
export function dialFramed(host: string, port: number, opts: DialOptions = {}): Promise<FramedConnection> {
  const { timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS, signal, security = OPEN_MESH, ...init } = opts;
  const where = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const { socket, ready } = security.connect(host, port);
    const done = (err?: unknown): void => {
      clearTimeout(timer);
      socket.off(ready, onConnect);
      socket.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) return resolve(new FramedConnection(socket, { label: where, ...init }));
      socket.on('error', () => {});
      socket.destroy();
      reject(err);
    };
    const onConnect = (): void => done();
    const onError = (e: Error): void =>
      done(new LanmeshError('CONNECTION_CLOSED', `connect to ${where} failed: ${security.explain(e)}`, { cause: e }));
    const onAbort = (): void => done(signal?.reason);
    const timer = setTimeout(() => done(new LanmeshError('TIMEOUT', `connect to ${where} timed out after ${timeoutMs} ms`)), timeoutMs);
    socket.once(ready, onConnect);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
