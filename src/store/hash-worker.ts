// Runs inside the hash worker thread (started by hasher.ts): hashes one file at a time, chunk by
// chunk, and fails when the file shrinks, grows, is replaced or vanishes while it is read.
import { parentPort, type MessagePort } from 'node:worker_threads';
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { ErrorCode } from '../errors.js';

export type HashRequest = { t: 'hash'; id: number; path: string; chunkSize: number } | { t: 'cancel'; id: number };
export type HashReply =
  | { t: 'done'; id: number; hashes: string[]; size: number; mtimeMs: number }
  | { t: 'fail'; id: number; code: ErrorCode; message: string };

const READ_BLOCK = 1024 * 1024;

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
      const reply = await run(m.id, m.path, m.chunkSize, () => cancelled);
      running = undefined;
      port.postMessage(reply);
    });
  });
}

async function run(id: number, path: string, chunkSize: number, isCancelled: () => boolean): Promise<HashReply> {
  try {
    const r = await hashFile(path, chunkSize, isCancelled);
    return { t: 'done', id, ...r };
  } catch (e) {
    if (e instanceof HashFailure) return { t: 'fail', id, code: e.code, message: e.message };
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return { t: 'fail', id, code: 'NOT_FOUND', message: `${path} vanished` };
    return { t: 'fail', id, code: 'IO', message: `cannot read ${path}: ${err.message}` };
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
    const buf = Buffer.allocUnsafe(Math.min(READ_BLOCK, chunkSize));
    const hashes: string[] = [];
    let pos = 0;
    while (pos < size) {
      const end = Math.min(size, pos + chunkSize);
      const h = createHash('sha256');
      while (pos < end) {
        if (isCancelled()) throw new HashFailure('IO', `hashing ${path} cancelled`);
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
        if (bytesRead === 0) throw new HashFailure('IO', `${path} shrank while it was hashed`);
        h.update(buf.subarray(0, bytesRead));
        pos += bytesRead;
      }
      hashes.push(h.digest('hex'));
    }
    const { bytesRead: extra } = await fh.read(buf, 0, 1, size);
    const after = await fh.stat();
    if (extra > 0 || after.size !== size || after.mtimeMs !== before.mtimeMs) {
      throw new HashFailure('IO', `${path} changed while it was hashed`);
    }
    const now = await stat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') throw new HashFailure('NOT_FOUND', `${path} vanished while it was hashed`);
      throw e;
    });
    if (now.ino !== before.ino || now.dev !== before.dev) {
      throw new HashFailure('IO', `${path} was replaced while it was hashed`);
    }
    return { hashes, size, mtimeMs: before.mtimeMs };
  } finally {
    await fh.close();
  }
}

if (parentPort) serve(parentPort);
