// File work of a partial download's completion: exact reads, re-hashing chunks in this thread (when
// no hash worker is given), and the safe local name (placing it is place.ts's job).
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { LanmeshError } from '../errors.js';
import type { ChunkIndex, Manifest } from '../types.js';
import { chunkRange } from './manifest.js';
import { sanitizeName } from './safe-path.js';

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

/** The wire name made safe; a name with nothing usable left ('..', '') becomes file-<id prefix>. */
export function localName(m: Manifest): string {
  try {
    return sanitizeName(m.name);
  } catch {
    return `file-${m.id.slice(0, 12)}`;
  }
}
