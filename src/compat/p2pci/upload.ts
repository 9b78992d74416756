// The P2P-CI upload server side of the sender port: answers one `GET RFC <n> P2P-CI/1.0` on a
// socket the port has sniffed, with the header block in one write, then the file, then closes.
// The socket may be half-open: a client that ended its side still gets the answer.
import type { Socket } from 'node:net';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import * as os from 'node:os';
import { formatGetHeader, formatResponse, type CodecLimits, type ParseResult, type StatusCode } from './codec.js';
import { RequestParser } from './request-parser.js';
import { plainAddress } from './dial.js';
import { describeError } from '../../errors.js';

export interface RfcFileInfo {
  path: string;
  size: number;
  mtimeMs: number;
  title: string;
}

/** Where the upload server finds the file for an RFC number (the peer's shared/ and downloads/). */
export interface RfcSource {
  findRfc(n: number): Promise<RfcFileInfo | undefined>;
}

export interface UploadOptions {
  /** The `OS:` header; default `<os.type()> <os.release()>`. */
  os?: string;
  limits?: Partial<CodecLimits>;
  /** The whole request must arrive within this. */
  requestTimeoutMs?: number;
  /** A client that stops reading (or never closes after the file) for this long is dropped. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  now?: () => Date;
  /** Pause between the header block (once the kernel has it) and the first body byte. */
  headerGapMs?: number;
}

/**
 * Many clients read the header block with one recv(1024) and copy "the rest": a body byte in that
 * read is lost to them. The write callback only says the kernel took the header, not that the
 * client read it, so the body waits this long more. Measured with 300 GETs and 4 busy loops on a
 * 2-core machine at load ~15-20: no pause 5-50 of 300 first reads held body bytes, 50 ms 1-16,
 * 100 ms 0 in four runs. It costs each GET 100 ms, once.
 */
export const DEFAULT_HEADER_GAP_MS = 100;

/** What happened, for the caller's log. code 0: no answer was sent (timeout, client gone). */
export interface UploadOutcome {
  remote: string;
  code: StatusCode | 0;
  rfc?: number;
  /** File bytes sent. */
  bytes: number;
  reason?: string;
}

export const defaultOsName = (): string => `${os.type()} ${os.release()}`;

/**
 * Serves one GET and closes the socket. `initial` holds the bytes the port already read (they start
 * with `GET `). Never rejects: failures end this connection only and are reported in the outcome.
 */
export async function handleUploadConnection(
  socket: Socket,
  initial: Buffer,
  source: RfcSource,
  opts: UploadOptions = {},
): Promise<UploadOutcome> {
  const remote = `${plainAddress(socket.remoteAddress)}:${socket.remotePort ?? 0}`;
  const onAbort = () => socket.destroy();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  socket.on('error', () => {});
  socket.setNoDelay(true);
  socket.setTimeout(opts.idleTimeoutMs ?? 60_000, () => socket.destroy());
  try {
    const req = await readRequest(socket, initial, new RequestParser(opts.limits), opts.requestTimeoutMs ?? 30_000);
    if (!req) {
      socket.destroy();
      return { remote, code: 0, bytes: 0, reason: 'no complete request' };
    }
    if (req.error !== undefined) return refuse(socket, remote, req.error, req.reason);
    if (req.method !== 'GET') return refuse(socket, remote, 400, `${req.method} is not served by an upload server`);
    const file = await source.findRfc(req.rfc).catch(() => undefined);
    if (!file) return refuse(socket, remote, 404, `RFC ${req.rfc} not held here`, req.rfc);
    return await sendFile(socket, remote, req.rfc, file.path, opts);
  } catch (err) {
    socket.destroy();
    return { remote, code: 0, bytes: 0, reason: describeError(err) };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

function refuse(socket: Socket, remote: string, code: StatusCode, reason: string, rfc?: number): UploadOutcome {
  socket.end(formatResponse(code));
  return { remote, code, rfc, bytes: 0, reason };
}

async function sendFile(socket: Socket, remote: string, rfc: number, path: string, opts: UploadOptions): Promise<UploadOutcome> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    return refuse(socket, remote, 404, `RFC ${rfc}: ${describeError(err)}`, rfc);
  }
  try {
    const st = await fh.stat();
    const size = st.size;
    const header = formatGetHeader({ date: (opts.now ?? (() => new Date()))(), os: opts.os ?? defaultOsName(), lastModified: st.mtime, length: size });
    await new Promise<void>((resolve, reject) => socket.write(header, (err) => (err ? reject(err) : resolve())));
    if (size > 0) await gap(socket, opts.headerGapMs ?? DEFAULT_HEADER_GAP_MS);
    if (size > 0) await pipeline(fh.createReadStream({ start: 0, end: size - 1, autoClose: false }), socket);
    else socket.end();
    return { remote, code: 200, rfc, bytes: size };
  } catch (err) {
    socket.destroy();
    return { remote, code: 200, rfc, bytes: 0, reason: `transfer failed: ${describeError(err)}` };
  } finally {
    await fh.close().catch(() => {});
  }
}

/** Waits `ms`, or less if the socket closes meanwhile (the body write then fails as it should). */
function gap(socket: Socket, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      socket.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    socket.once('close', done);
  });
}

/** The first request on the socket, or undefined when the client went away or took too long. */
function readRequest(socket: Socket, initial: Buffer, parser: RequestParser, timeoutMs: number): Promise<ParseResult | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: ParseResult | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onClose);
      // Keep reading (and dropping) whatever else the client sends, so closing never resets the
      // connection while file data is still in flight.
      socket.on('data', () => {});
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      const [first] = parser.push(chunk);
      if (first) finish(first);
    };
    const onClose = () => finish(undefined);
    // A client that half-closes (nc -N) has said all it will: the end of input ends the request as
    // its empty line would (the first CRLF ends an unterminated last line).
    const onEnd = () => {
      onData(Buffer.from('\r\n\r\n'));
      finish(undefined);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    timer.unref();
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onClose);
    onData(initial);
    socket.resume();
  });
}
