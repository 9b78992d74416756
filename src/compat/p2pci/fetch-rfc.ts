// Our P2P-CI GET client: fetches one RFC from a peer's upload server into a new file, stopping at
// Content-Length and checking the length, whatever liberties the server takes with the framing.
import { hostname } from 'node:os';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { DEFAULT_LIMITS, formatRequest, parseHeaderLine, parseStatusLine } from './codec.js';
import { LINE_TOO_LONG, LineReader } from './line-reader.js';
import { dial } from './dial.js';
import { defaultOsName } from './upload.js';
import { LanmeshError } from '../../errors.js';

export interface FetchRfcOptions {
  /** Connect timeout, and how long the data may stop before the download fails. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The `Host:` we send; default os.hostname(). */
  selfHost?: string;
  /** The `OS:` we send. */
  os?: string;
  maxLineBytes?: number;
  maxHeaders?: number;
  /** Largest file accepted (Content-Length, or bytes received without one). */
  maxBytes?: number;
}

export interface FetchRfcResult {
  /** Bytes written to destPath (equal to Content-Length when the server sent one). */
  bytes: number;
  contentLength: number | undefined;
  /** Response headers, names lower-cased. */
  headers: Record<string, string>;
}

/** The headers the spec's answer carries; once all have arrived, the next line is body if not empty. */
const SPEC_HEADERS = ['date', 'os', 'last-modified', 'content-length', 'content-type'];
const DEFAULT_MAX_BYTES = 1024 ** 3;

/**
 * GETs RFC `rfc` from host:port into `destPath`, which must not exist (the caller renames it into
 * place). On failure destPath is removed and the promise rejects with a LanmeshError.
 */
export async function fetchRfc(host: string, port: number, rfc: number, destPath: string, opts: FetchRfcOptions = {}): Promise<FetchRfcResult> {
  const where = `RFC ${rfc} from ${host}:${port}`;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const socket = await dial(host, port, { timeoutMs, signal: opts.signal });
  let fh: FileHandle | undefined;
  let created = false;
  let idled = false;
  const onAbort = () => socket.destroy();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  socket.setTimeout(timeoutMs, () => {
    idled = true;
    socket.destroy();
  });
  try {
    fh = await open(destPath, 'wx');
    created = true;
    socket.write(formatRequest({ method: 'GET', rfc, host: opts.selfHost ?? hostname(), os: opts.os ?? defaultOsName() }));
    const reader = new LineReader(opts.maxLineBytes ?? DEFAULT_LIMITS.maxLineBytes);
    const headers = new Map<string, string>();
    const maxHeaders = opts.maxHeaders ?? DEFAULT_LIMITS.maxHeaders;
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    let phase = 'status' as 'status' | 'headers' | 'body';
    let length: number | undefined;
    let got = 0;
    /** The empty line taken as the end of the headers: body data if the server sent none. */
    let blank: Buffer | undefined;
    const out = fh;
    const write = async (buf: Buffer) => {
      const take = length === undefined ? buf : buf.subarray(0, Math.max(0, length - got));
      if (got + take.length > maxBytes) throw new LanmeshError('BAD_MESSAGE', `${where}: more than ${maxBytes} bytes`);
      if (take.length > 0) await out.write(take);
      got += take.length;
    };
    const head = (): Buffer | undefined => {
      for (;;) {
        const line = reader.readLine();
        if (line === undefined) return undefined;
        if (line === LINE_TOO_LONG) {
          if (phase === 'headers' && length !== undefined) return reader.takeRest();
          throw new LanmeshError('BAD_MESSAGE', `${where}: response line too long`);
        }
        if (phase === 'status') {
          if (line.trim() === '') continue;
          const st = parseStatusLine(line);
          if (!st) throw new LanmeshError('BAD_MESSAGE', `${where}: not a P2P-CI answer: '${line.slice(0, 60)}'`);
          if (st.code === 404) throw new LanmeshError('NOT_FOUND', `${where}: 404 ${st.phrase}`.trim());
          if (st.code !== 200) throw new LanmeshError('REMOTE_ERROR', `${where}: ${st.code} ${st.phrase}`.trim());
          phase = 'headers';
          continue;
        }
        if (line.trim() === '') {
          blank = reader.lastTerminator();
          return reader.takeRest();
        }
        const h = parseHeaderLine(line);
        if (!h || SPEC_HEADERS.every((k) => headers.has(k))) {
          reader.unreadLast();
          return reader.takeRest();
        }
        if (headers.size >= maxHeaders) throw new LanmeshError('BAD_MESSAGE', `${where}: more than ${maxHeaders} headers`);
        headers.set(h.name, h.value);
        if (h.name === 'content-length') {
          if (!/^\d{1,15}$/.test(h.value)) throw new LanmeshError('BAD_MESSAGE', `${where}: bad Content-Length '${h.value.slice(0, 30)}'`);
          length = Number(h.value);
          if (length > maxBytes) throw new LanmeshError('BAD_MESSAGE', `${where}: Content-Length ${length} exceeds ${maxBytes}`);
        }
      }
    };
    try {
      for await (const chunk of socket) {
        if (phase !== 'body') {
          reader.push(chunk as Buffer);
          const body = head();
          if (body === undefined) continue;
          phase = 'body';
          await write(body);
        } else await write(chunk as Buffer);
        if (length !== undefined && got >= length) break;
      }
    } catch (err) {
      if (opts.signal?.aborted) throw new LanmeshError('CONNECTION_CLOSED', `${where}: aborted`, { cause: opts.signal.reason });
      if (err instanceof LanmeshError) throw err;
      if (!idled) throw new LanmeshError('CONNECTION_CLOSED', `${where}: connection failed after ${got} bytes`, { cause: err });
    }
    if (phase === 'status') {
      throw new LanmeshError(idled ? 'TIMEOUT' : 'CONNECTION_CLOSED', `${where}: no answer`);
    }
    if (phase === 'headers') {
      // The data stopped inside the header block: what is left is the body (servers that send no
      // empty line and a short, unterminated file).
      if (length === undefined) throw new LanmeshError(idled ? 'TIMEOUT' : 'CONNECTION_CLOSED', `${where}: answer ended in its headers`);
      await write(reader.takeRest());
    }
    if (length !== undefined && got !== length && blank && got + blank.length === length) {
      // The empty line we took as the end of the headers was the file's first line.
      await out.write(Buffer.concat([blank, await readFile(destPath)]), 0, undefined, 0);
      got = length;
    }
    if (length !== undefined && got !== length) {
      const code = idled ? 'TIMEOUT' : 'CONNECTION_CLOSED';
      throw new LanmeshError(code, `${where}: got ${got} of ${length} bytes (Content-Length)`);
    }
    if (length === undefined && idled) throw new LanmeshError('TIMEOUT', `${where}: stalled after ${got} bytes`);
    await out.sync();
    return { bytes: got, contentLength: length, headers: Object.fromEntries(headers) };
  } catch (err) {
    await fh?.close().catch(() => {});
    fh = undefined;
    if (created) await unlink(destPath).catch(() => {});
    throw err instanceof LanmeshError ? err : new LanmeshError('IO', `${where}: ${(err as Error).message}`, { cause: err });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    socket.destroy();
    await fh?.close().catch(() => {});
  }
}
