// File work of a partial download's completion: exact reads, re-hashing chunks in this thread (when
// no hash worker is given), and placing the finished file under a free name without overwriting.
import { createHash } from 'node:crypto';
import { link, rename, rm, type FileHandle } from 'node:fs/promises';
import { LanmeshError } from '../errors.js';
import type { ChunkIndex, Manifest } from '../types.js';
import { chunkRange } from './manifest.js';
import { safeJoin, sanitizeName, uniqueName } from './safe-path.js';

export async function readExact(fh: FileHandle, buf: Buffer, position: number): Promise<Buffer> {
  for (let off = 0; off < buf.length; ) {
    const { bytesRead } = await fh.read(buf, off, buf.length - off, position + off);
    if (bytesRead === 0) throw new LanmeshError('IO', `data file ended at ${position + off}`);
    off += bytesRead;
  }
  return buf;
}

/** SHA-256 of the given chunks of the data file, with one reused buffer: memory stays at one chunk. */
export async function hashChunksHere(fh: FileHandle, m: Manifest, indices: ChunkIndex[]): Promise<string[]> {
  const buf = Buffer.allocUnsafe(Math.min(m.chunkSize, m.size));
  const out: string[] = [];
  for (const i of indices) {
    const { start, end } = chunkRange(i, m.size, m.chunkSize);
    const part = await readExact(fh, buf.subarray(0, end - start), start);
    out.push(createHash('sha256').update(part).digest('hex'));
  }
  return out;
}

/**
 * Hard-link under a free name (link fails rather than replace), then drop the old name.
 * `onPlace(target)` is told each name just before it is tried (so a watcher can expect it).
 */
export async function placeWithoutOverwrite(from: string, dir: string, name: string, onPlace?: (target: string) => void): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const target = safeJoin(dir, await uniqueName(dir, name));
    onPlace?.(target);
    try {
      await link(from, target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw new LanmeshError('IO', `cannot place ${target}`, { cause: e });
      await rename(from, target);
      return target;
    }
    await rm(from, { force: true });
    return target;
  }
  throw new LanmeshError('IO', `no free name for ${name} in ${dir}`);
}

/** The wire name made safe; a name with nothing usable left ('..', '') becomes file-<id prefix>. */
export function localName(m: Manifest): string {
  try {
    return sanitizeName(m.name);
  } catch {
    return `file-${m.id.slice(0, 12)}`;
  }
}
