// A whole small file read in one synchronous open/fstat/read/close, with the same check as every
// served read (read-handles.ts): a file changed since it was indexed is refused. For folders of many
// small files, four thread-pool hand-offs per file cost far more CPU than the page-cache read itself.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { LocalFile } from './file-index.js';

/** Largest file read this way (bigger ones go through the asynchronous, handle-keeping path). */
export const SMALL_READ_MAX = 256 * 1024;

/** The file's bytes (in a buffer from `alloc`), or undefined when it cannot be read as indexed (the caller falls back). */
export function readSmallSync(lf: LocalFile, alloc: (length: number) => Buffer): Buffer | undefined {
  const size = lf.manifest.size;
  if (size > SMALL_READ_MAX) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(lf.path, 'r');
    const st = fstatSync(fd);
    if (!st.isFile() || st.size !== size || st.mtimeMs !== lf.mtimeMs) return undefined;
    const buf = alloc(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) return undefined;
      off += n;
    }
    return buf;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
