// Runs inside the hash worker thread (started by hasher.ts): hashes one file at a time, chunk by
// chunk, and fails when the file shrinks, grows, is replaced or vanishes while it is read. Also
// re-hashes chosen chunks of a partial download's data file. Reads run one block ahead of hashing.
// A small file is read with synchronous calls: this thread has nothing else to do meanwhile, and
// each async call was a round trip through libuv's pool (seven per file, most of a small file's cost).
import { parentPort, type MessagePort } from 'node:worker_threads';
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { ErrorCode } from '../errors.js';

export type HashRequest =
  | { t: 'hash'; id: number; path: string; chunkSize: number; indices?: number[] }
  | { t: 'cancel'; id: number };
export type HashReply =
  | { t: 'done'; id: number; hashes: string[]; size: number; mtimeMs: number }
  | { t: 'fail'; id: number; code: ErrorCode; message: string };

const READ_BLOCK = 1024 * 1024;
/** Files up to this size are read whole in one synchronous read (see the top of this file). */
const SMALL_FILE = READ_BLOCK;
/** The small-file read buffer, one byte longer than SMALL_FILE so that growth shows. */
const smallBuf = Buffer.allocUnsafe(SMALL_FILE + 1);

class HashFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function serve(port: MessagePort): void {
  let running: number | undefined;
  let cancelled = false;
  let chain: Promise<void> = Promise.resolve();

  port.on('message', (m: HashRequest) => {
    if (m.t === 'cancel') {
      if (m.id === running) cancelled = true;
      return;
    }
    chain = chain.then(async () => {
      running = m.id;
      cancelled = false;
      const reply = await run(m.id, m.path, m.chunkSize, m.indices, () => cancelled);
      running = undefined;
      port.postMessage(reply);
    });
  });
}

async function run(id: number, path: string, chunkSize: number, indices: number[] | undefined, isCancelled: () => boolean): Promise<HashReply> {
  try {
    const r = indices
      ? await hashSome(path, chunkSize, indices, isCancelled)
      : (hashSmallFile(path, chunkSize) ?? (await hashFile(path, chunkSize, isCancelled)));
    return { t: 'done', id, ...r };
  } catch (e) {
    if (e instanceof HashFailure) return { t: 'fail', id, code: e.code, message: e.message };
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return { t: 'fail', id, code: 'NOT_FOUND', message: `${path} vanished` };
    return { t: 'fail', id, code: 'IO', message: `cannot read ${path}: ${err.message}` };
  }
}

/** A file of at most SMALL_FILE bytes, with the same checks as hashFile; undefined when it is bigger. */
function hashSmallFile(path: string, chunkSize: number): { hashes: string[]; size: number; mtimeMs: number } | undefined {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const before = fstatSync(fd);
    if (!before.isFile()) throw new HashFailure('IO', `${path} is not a regular file`);
    const { size } = before;
    if (size > SMALL_FILE) return undefined;
    let got = 0;
    for (let n = -1; got < smallBuf.length && n !== 0; got += n) n = readSync(fd, smallBuf, got, smallBuf.length - got, got);
    if (got < size) throw new HashFailure('IO', `${path} shrank while it was hashed`);
    checkUnchanged(path, before, got > size, fstatSync(fd), statSync(path, { throwIfNoEntry: false }));
    const hashes = chunkRanges(size, chunkSize).map(([start, end]) => createHash('sha256').update(smallBuf.subarray(start, end)).digest('hex'));
    return { hashes, size, mtimeMs: before.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** Throws unless the file read is the one at `path`, unchanged since `before`. */
function checkUnchanged(path: string, before: Stats, grew: boolean, after: Stats, now: Stats | undefined): void {
  if (grew || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
    throw new HashFailure('IO', `${path} changed while it was hashed`);
  }
  if (!now) throw new HashFailure('NOT_FOUND', `${path} vanished while it was hashed`);
  if (now.ino !== before.ino || now.dev !== before.dev) {
    throw new HashFailure('IO', `${path} was replaced while it was hashed`);
  }
}

async function hashFile(
  path: string,
  chunkSize: number,
  isCancelled: () => boolean,
): Promise<{ hashes: string[]; size: number; mtimeMs: number }> {
  // O_NONBLOCK: a FIFO swapped in for a regular file must not block the worker forever.
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const before = await fh.stat();
    if (!before.isFile()) throw new HashFailure('IO', `${path} is not a regular file`);
    const { size } = before;
    const hashes = await hashRanges(fh, path, chunkRanges(size, chunkSize), isCancelled);
    const buf = Buffer.allocUnsafe(1);
    const { bytesRead: extra } = await fh.read(buf, 0, 1, size);
    const after = await fh.stat();
    const now = await stat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    checkUnchanged(path, before, extra > 0, after, now);
    return { hashes, size, mtimeMs: before.mtimeMs };
  } finally {
    await fh.close();
  }
}

/** [start, end) of every chunk of a file of `size` bytes. */
function chunkRanges(size: number, chunkSize: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let pos = 0; pos < size; pos += chunkSize) out.push([pos, Math.min(size, pos + chunkSize)]);
  return out;
}

/**
 * SHA-256 of each range, read in blocks with the next block's read already running while the
 * current one is hashed (two buffers, reused: memory stays at two blocks).
 */
async function hashRanges(fh: FileHandle, path: string, ranges: Array<[number, number]>, isCancelled: () => boolean): Promise<string[]> {
  const blocks: Array<{ pos: number; len: number; last: boolean }> = [];
  for (const [start, end] of ranges) {
    for (let pos = start; pos < end; pos += READ_BLOCK) blocks.push({ pos, len: Math.min(READ_BLOCK, end - pos), last: pos + READ_BLOCK >= end });
  }
  const size = blocks.reduce((m, b) => Math.max(m, b.len), 0);
  const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
  const readBlock = async (k: number): Promise<Buffer> => {
    const { pos, len } = blocks[k]!;
    const buf = bufs[k % 2]!.subarray(0, len);
    for (let off = 0; off < len; ) {
      const { bytesRead } = await fh.read(buf, off, len - off, pos + off);
      if (bytesRead === 0) throw new HashFailure('IO', `${path} shrank while it was hashed`);
      off += bytesRead;
    }
    return buf;
  };
  const hashes: string[] = [];
  let h = createHash('sha256');
  let next = blocks.length > 0 ? readBlock(0) : undefined;
  for (let k = 0; k < blocks.length; k++) {
    if (isCancelled()) throw new HashFailure('IO', `hashing ${path} cancelled`);
    const data = await next!;
    // The other buffer is free again: start the next read before hashing this block.
    next = k + 1 < blocks.length ? readBlock(k + 1) : undefined;
    next?.catch(() => undefined);
    h.update(data);
    if (blocks[k]!.last) {
      hashes.push(h.digest('hex'));
      h = createHash('sha256');
    }
  }
  return hashes;
}

/** Re-hash chosen chunks of a file (a partial download's data file, which is not expected to change). */
async function hashSome(path: string, chunkSize: number, indices: number[], isCancelled: () => boolean): Promise<{ hashes: string[]; size: number; mtimeMs: number }> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new HashFailure('IO', `${path} is not a regular file`);
    const ranges = indices.map((i): [number, number] => [i * chunkSize, Math.min(st.size, (i + 1) * chunkSize)]);
    if (ranges.some(([a, b]) => !(Number.isSafeInteger(a) && a >= 0 && a < b))) throw new HashFailure('BAD_MESSAGE', `chunk out of range in ${path}`);
    return { hashes: await hashRanges(fh, path, ranges, isCancelled), size: st.size, mtimeMs: st.mtimeMs };
  } finally {
    await fh.close();
  }
}

if (parentPort) serve(parentPort);
