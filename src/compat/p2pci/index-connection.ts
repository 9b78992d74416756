// One index-server connection: parses requests, answers them one at a time in order, and stops
// reading while the client is not reading answers, so what we buffer for it stays bounded.
import type { Socket } from 'node:net';
import type { CodecLimits, ParseResult } from './codec.js';
import { RequestParser } from './request-parser.js';
import type { Admitted } from './index-admission.js';
import { describeError } from '../../errors.js';

export interface IndexConnectionInit {
  /** The client's address (its share of the server is counted by it). */
  address: string;
  /** Whether this connection holds records (a registered peer). */
  isRegistered: () => boolean;
  limits?: Partial<CodecLimits>;
  /** Stuck mid-request, or with answers the client does not read, this long → closed. 0: never. */
  requestTimeoutMs: number;
  /** Silent this long → closed. 0: never. */
  idleTimeoutMs: number;
  /** Answers written but not yet taken by the kernel above this → stop answering until 'drain'. */
  maxBufferedBytes: number;
  /** One request's answer, and whether the connection closes after it. May throw. */
  answer: (r: ParseResult) => { bytes: Buffer; closeAfter: boolean };
  /** Once, when the socket has closed, with why. */
  onClose: (reason: string) => void;
}

/** After a 400 that closes the connection, how long the client gets to read it and hang up. */
const CLOSE_GRACE_MS = 5_000;
const KEEPALIVE_MS = 30_000;

export class IndexConnection implements Admitted {
  /** Resolves after onClose has run. */
  readonly closed: Promise<void>;
  /** When bytes last arrived (ms since the epoch); the connect time until then. */
  lastDataAt = Date.now();
  private readonly parser: RequestParser;
  /** Parsed requests not answered yet (at most one received chunk's worth: reading stops first). */
  private readonly queue: ParseResult[] = [];
  private waitingForDrain = false;
  private inputEnded = false;
  /** The last answer is out (close-after error or end of input): nothing more is answered. */
  private finished = false;
  private reason = 'closed by peer';
  private stalled: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly init: IndexConnectionInit,
  ) {
    this.parser = new RequestParser(init.limits);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_MS);
    if (init.idleTimeoutMs > 0) socket.setTimeout(init.idleTimeoutMs);
    // One listener for both uses of the socket's timer: idle, and the grace period after the last answer.
    socket.on('timeout', () => (this.finished ? socket.destroy() : this.close('idle timeout')));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // The server allows half-open sockets: a client may send its requests, shut down its side,
    // and still read every answer; we end once the last one is written.
    socket.on('end', () => {
      this.inputEnded = true;
      this.pump();
    });
    socket.on('drain', () => this.onDrain());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.reason = err.code ?? err.message;
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        clearTimeout(this.stalled);
        this.queue.length = 0;
        this.finished = true;
        this.init.onClose(this.reason);
        resolve();
      });
    });
  }

  get address(): string {
    return this.init.address;
  }

  get registered(): boolean {
    return this.init.isRegistered();
  }

  get closing(): boolean {
    return this.socket.destroyed;
  }

  /** Bytes of answers handed to the socket but not yet to the kernel. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  /** Requests received and parsed but not answered yet. */
  get queuedRequests(): number {
    return this.queue.length;
  }

  /** Closes now (idempotent); `reason` goes to onClose unless the socket was already going. */
  close(reason: string): void {
    if (this.socket.destroyed) return;
    this.reason = reason;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.lastDataAt = Date.now();
    clearTimeout(this.stalled);
    this.stalled = undefined;
    try {
      for (const r of this.parser.push(chunk)) this.queue.push(r);
    } catch (err) {
      this.close(`internal error: ${describeError(err)}`);
      return;
    }
    this.pump();
  }

  /** Answers queued requests until none are left or the client has too much unread. */
  private pump(): void {
    try {
      while (!this.waitingForDrain && !this.finished && this.queue.length > 0) {
        const { bytes, closeAfter } = this.init.answer(this.queue.shift()!);
        if (this.socket.destroyed) return;
        if (closeAfter) {
          this.finish(bytes, 'line too long');
          return;
        }
        // write() is false from 16 KiB on; we go on answering up to maxBufferedBytes (pipelined
        // ADDs stay fast) and then wait for 'drain', which a false write() guarantees.
        if (!this.socket.write(bytes) && this.socket.writableLength > this.init.maxBufferedBytes) {
          this.waitingForDrain = true;
          this.socket.pause();
        }
      }
    } catch (err) {
      this.close(`internal error: ${describeError(err)}`);
      return;
    }
    if (this.finished || this.socket.destroyed) return;
    if (this.queue.length === 0 && !this.waitingForDrain) {
      if (this.inputEnded) {
        this.finish(undefined, this.reason);
        return;
      }
      this.socket.resume();
    }
    this.armStallTimer();
  }

  private onDrain(): void {
    if (!this.waitingForDrain) return;
    this.waitingForDrain = false;
    clearTimeout(this.stalled);
    this.stalled = undefined;
    this.pump();
  }

  /** Writes the last answer (if any) and ends; the client gets a grace period to read it. */
  private finish(bytes: Buffer | undefined, reason: string): void {
    this.finished = true;
    this.reason = reason;
    this.queue.length = 0;
    clearTimeout(this.stalled);
    if (bytes) this.socket.end(bytes);
    else this.socket.end();
    this.socket.setTimeout(CLOSE_GRACE_MS);
  }

  /** Mid-request, or blocked on a client that does not read: close if that lasts. */
  private armStallTimer(): void {
    const ms = this.init.requestTimeoutMs;
    if (ms <= 0 || this.stalled || !(this.waitingForDrain || this.parser.midRequest)) return;
    const why = this.waitingForDrain ? 'not reading answers' : 'request timeout';
    this.stalled = setTimeout(() => this.close(why), ms);
    this.stalled.unref();
  }
}
