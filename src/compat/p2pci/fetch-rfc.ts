// Our P2P-CI GET client: fetches one RFC from a peer's upload server into a new file, stopping at
// Content-Length and checking the length, whatever liberties the server takes with the framing.
import { hostname } from 'node:os';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { formatRequest } from './codec.js';
import { GetHeadParser } from './get-head.js';
import { dial } from './dial.js';
import { defaultOsName } from './upload.js';
import { LanmeshError } from '../../errors.js';

export interface FetchRfcOptions {
  /** Connect timeout, and how long the data may stop before the download fails. */
  timeoutMs?: number;
  /** How long the data may stop when the body is short by just the empty line taken as the separator. */
  quietMs?: number;
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
  /** Response headers, names normalised (`Last Modified` → `last-modified`). */
  headers: Record<string, string>;
  /** What the caller should pass on: a body that may hold header lines. */
  warnings: string[];
}

const DEFAULT_MAX_BYTES = 1024 ** 3;

/**
 * GETs RFC `rfc` from host:port into `destPath`, which must not exist (the caller renames it into
 * place). On failure destPath is removed and the promise rejects with a LanmeshError.
 */
export async function fetchRfc(host: string, port: number, rfc: number, destPath: string, opts: FetchRfcOptions = {}): Promise<FetchRfcResult> {
  const where = `RFC ${rfc} from ${host}:${port}`;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const quietMs = Math.min(opts.quietMs ?? 1000, timeoutMs);
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
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    const head = new GetHeadParser(where, { maxLineBytes: opts.maxLineBytes, maxHeaders: opts.maxHeaders, maxBytes });
    let got = 0;
    const out = fh;
    const write = async (buf: Buffer) => {
      const length = head.length;
      const take = length === undefined ? buf : buf.subarray(0, Math.max(0, length - got));
      if (got + take.length > maxBytes) throw new LanmeshError('BAD_MESSAGE', `${where}: more than ${maxBytes} bytes`);
      if (take.length > 0) await out.write(take);
      got += take.length;
      // Short by exactly the empty line taken as the end of the headers: that line may be the
      // file's first (a server that sends none); a quiet second settles it, not the idle timeout.
      const ambiguous = head.blank !== undefined && length !== undefined && got + head.blank.length === length;
      socket.setTimeout(ambiguous ? quietMs : timeoutMs);
    };
    try {
      for await (const chunk of socket) {
        if (head.inHead) {
          const body = head.push(chunk as Buffer);
          if (body === undefined) continue;
          await write(body);
        } else await write(chunk as Buffer);
        if (head.length !== undefined && got >= head.length) break;
      }
    } catch (err) {
      if (opts.signal?.aborted) throw new LanmeshError('CONNECTION_CLOSED', `${where}: aborted`, { cause: opts.signal.reason });
      if (err instanceof LanmeshError) throw err;
      if (!idled) throw new LanmeshError('CONNECTION_CLOSED', `${where}: connection failed after ${got} bytes`, { cause: err });
    }
    if (!head.sawStatus) {
      throw new LanmeshError(idled ? 'TIMEOUT' : 'CONNECTION_CLOSED', `${where}: no answer`);
    }
    const length = head.length;
    if (head.inHead) {
      // The data stopped inside the header block: what is left is the body (servers that send no
      // empty line and a short, unterminated file).
      if (!head.canEnd) throw new LanmeshError(idled ? 'TIMEOUT' : 'CONNECTION_CLOSED', `${where}: answer ended in its headers`);
      await write(head.end());
    }
    const blank = head.blank;
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
    return { bytes: got, contentLength: length, headers: Object.fromEntries(head.headers), warnings: head.warnings };
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
