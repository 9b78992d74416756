// Open read handles of the files a peer serves, kept between chunk reads: a seeder streaming a file
// opens it once instead of once per chunk. A handle idle for IDLE_MS is closed; at most MAX_OPEN
// idle ones are kept; close() releases them all (a handle in use closes when its reader is done).
// readIndexedRange reads a chunk through such a handle, refusing a file changed since it was indexed.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { LanmeshError } from '../errors.js';
import type { LocalFile } from './file-index.js';

const IDLE_MS = 2000;
const MAX_OPEN = 64;

interface Entry {
  opening: Promise<FileHandle>;
  users: number;
  timer: NodeJS.Timeout | undefined;
  /** Dropped from the map: close once the last user is done. */
  dropped: boolean;
  closed: Promise<void> | undefined;
  onIdle: (() => void) | undefined;
}

export class ReadHandles {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  /** Runs fn with an open handle of path (shared with concurrent readers of the same file). */
  async with<T>(path: string, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error(`read handles closed (${path})`);
    let e = this.entries.get(path);
    if (!e) {
      this.evictIdle();
      // O_NONBLOCK: a FIFO swapped in for a regular file must not block a reader.
      const fresh: Entry = { opening: open(path, constants.O_RDONLY | constants.O_NONBLOCK), users: 0, timer: undefined, dropped: false, closed: undefined, onIdle: undefined };
      fresh.opening.catch(() => this.drop(path, fresh));
      this.entries.set(path, fresh);
      e = fresh;
    }
    const entry = e;
    entry.users++;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    try {
      return await fn(await entry.opening);
    } finally {
      entry.users--;
      if (entry.users === 0) {
        if (entry.dropped) entry.onIdle?.();
        else {
          entry.timer = setTimeout(() => this.drop(path, entry), IDLE_MS);
          entry.timer.unref();
        }
      }
    }
  }

  /** Forget path's handle (the file changed or failed): the next read opens it again. */
  invalidate(path: string): void {
    const e = this.entries.get(path);
    if (e) this.drop(path, e);
  }

  /** Closes every handle (those in use once their readers are done). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.entries()];
    await Promise.all(all.map(([path, e]) => this.drop(path, e)));
  }

  private evictIdle(): void {
    for (const [path, e] of this.entries) {
      if (this.entries.size < MAX_OPEN) return;
      if (e.users === 0) void this.drop(path, e);
    }
  }

  private drop(path: string, e: Entry): Promise<void> {
    if (this.entries.get(path) === e) this.entries.delete(path);
    clearTimeout(e.timer);
    e.timer = undefined;
    e.dropped = true;
    e.closed ??= (async () => {
      const fh = await e.opening.catch(() => undefined);
      if (e.users > 0) await new Promise<void>((r) => (e.onIdle = r));
      await fh?.close().catch(() => undefined);
    })();
    return e.closed;
  }
}

/** Reads [start, end) of a held file (open handle), refusing when it changed since it was indexed. */
export async function readIndexedRange(fh: FileHandle, lf: LocalFile, start: number, end: number, alloc: (length: number) => Buffer): Promise<Buffer> {
  // Every read: a file edited in place must not be served under its old id.
  const st = await fh.stat();
  if (!st.isFile() || st.size !== lf.manifest.size || st.mtimeMs !== lf.mtimeMs) {
    throw new LanmeshError('NOT_FOUND', `${lf.relPath} changed since it was indexed`);
  }
  const buf = alloc(end - start);
  let off = 0;
  while (off < buf.length) {
    const { bytesRead } = await fh.read(buf, off, buf.length - off, start + off);
    if (bytesRead === 0) throw new LanmeshError('NOT_FOUND', `${lf.relPath} shrank while it was read`);
    off += bytesRead;
  }
  return buf;
}
