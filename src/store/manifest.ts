// Pure chunk math, manifests and content ids (docs/PROTOCOL.md "Content ids"). No I/O.
import { createHash } from 'node:crypto';
import { asFileId, FILE_ID_RE, type FileId, type Manifest } from '../types.js';
import { LanmeshError } from '../errors.js';

/** Largest chunk size accepted: a chunk plus its header must fit in one frame (MAX_FRAME). */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;

const HASH_RE = /^[0-9a-f]{64}$/;

export const isHashHex = (s: unknown): s is string => typeof s === 'string' && HASH_RE.test(s);

export function sha256Hex(buf: Uint8Array | string): string {
  return createHash('sha256').update(buf).digest('hex');
}

function checkGeometry(size: number, chunkSize: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new LanmeshError('BAD_MESSAGE', `invalid file size ${String(size)}`);
  }
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0 || chunkSize > MAX_CHUNK_SIZE) {
    throw new LanmeshError('BAD_MESSAGE', `invalid chunk size ${String(chunkSize)}`);
  }
}

/** Number of chunks of a file; a 0-byte file has none. */
export function chunkCount(size: number, chunkSize: number): number {
  checkGeometry(size, chunkSize);
  const rest = size % chunkSize;
  return (size - rest) / chunkSize + (rest === 0 ? 0 : 1);
}

/** Byte range [start, end) of chunk `index`; the last chunk may be shorter. */
export function chunkRange(index: number, size: number, chunkSize: number): { start: number; end: number } {
  const count = chunkCount(size, chunkSize);
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new LanmeshError('NOT_FOUND', `chunk ${String(index)} out of range (file has ${count} chunks)`);
  }
  const start = index * chunkSize;
  return { start, end: Math.min(size, start + chunkSize) };
}

/** SHA-256 of "lanmesh-file-v1\n<size>\n<chunkSize>\n<h0>\n<h1>…" (no trailing newline after the last hash). */
export function computeFileId(size: number, chunkSize: number, hashes: readonly string[]): FileId {
  checkGeometry(size, chunkSize);
  return asFileId(sha256Hex(`lanmesh-file-v1\n${size}\n${chunkSize}\n${hashes.join('\n')}`));
}

export function buildManifest(name: string, size: number, chunkSize: number, hashes: readonly string[]): Manifest {
  const count = chunkCount(size, chunkSize);
  if (hashes.length !== count) {
    throw new LanmeshError('BAD_MESSAGE', `${name}: ${hashes.length} chunk hashes for ${count} chunks`);
  }
  const bad = hashes.findIndex((h) => !isHashHex(h));
  if (bad >= 0) throw new LanmeshError('BAD_MESSAGE', `${name}: chunk hash ${bad} is not 64 lowercase hex chars`);
  return { id: computeFileId(size, chunkSize, hashes), name, size, chunkSize, hashes: [...hashes] };
}

/** True when `m` is a well-formed manifest whose id matches its size, chunk size and hashes. Never throws. */
export function verifyManifest(m: unknown): m is Manifest {
  if (typeof m !== 'object' || m === null) return false;
  const { id, name, size, chunkSize, hashes } = m as Record<string, unknown>;
  if (typeof id !== 'string' || !FILE_ID_RE.test(id) || typeof name !== 'string') return false;
  if (typeof size !== 'number' || typeof chunkSize !== 'number' || !Array.isArray(hashes)) return false;
  if (!Number.isSafeInteger(size) || size < 0) return false;
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0 || chunkSize > MAX_CHUNK_SIZE) return false;
  if (hashes.length !== chunkCount(size, chunkSize) || !hashes.every(isHashHex)) return false;
  return computeFileId(size, chunkSize, hashes) === id;
}
