// Validators for the shapes several messages share (file ids, a file's name/size/chunk size, a
// manifest), so the pull messages and the push messages check them the same way.
import { FILE_ID_RE } from '../types.js';
import type { FileId, Manifest } from '../types.js';
import type { Fields } from './fields.js';
import { MAX_CHUNK_DATA } from './frame.js';

/** Chunks per file: 120k hashes (67 bytes of JSON each) keep a manifest under MAX_CONTROL. */
export const MAX_FILE_CHUNKS = 120_000;
/** Largest chunkSize: one chunk must fit in one chunk frame. */
export const MAX_CHUNK_SIZE = Math.min(16 * 1024 * 1024, MAX_CHUNK_DATA);
export const MAX_NAME_LENGTH = 1024;
export const TOKEN_RE = /^[0-9a-f]{32}$/;
export const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HASH_RE = /^[0-9a-f]{64}$/;

export function fileId(f: Fields, key: string): FileId {
  return f.str(key, { max: 64, re: FILE_ID_RE }) as FileId;
}

/** name, size and chunkSize, checked together: the file must fit in MAX_FILE_CHUNKS chunks. */
export function fileShape(f: Fields): { name: string; size: number; chunkSize: number; chunks: number } {
  const name = f.str('name', { min: 1, max: MAX_NAME_LENGTH });
  if (name.includes('\u0000')) f.fail('name', 'contains NUL');
  const size = f.int('size', 0, Number.MAX_SAFE_INTEGER);
  const chunkSize = f.int('chunkSize', 1, MAX_CHUNK_SIZE);
  const chunks = Math.ceil(size / chunkSize);
  if (chunks > MAX_FILE_CHUNKS) f.fail('size', `${size} bytes in chunks of ${chunkSize} is more than ${MAX_FILE_CHUNKS} chunks`);
  return { name, size, chunkSize, chunks };
}

export function manifest(f: Fields): Manifest {
  const { name, size, chunkSize, chunks } = fileShape(f);
  const list = f.array('hashes', MAX_FILE_CHUNKS);
  if (list.length !== chunks) f.fail('hashes', `has ${list.length} entries, expected ${chunks} for ${size} bytes`);
  const hashes = list.map((h, i) => {
    if (typeof h !== 'string' || !HASH_RE.test(h)) f.fail(`hashes[${i}]`, 'expected 64 lowercase hex digits');
    return h;
  });
  return { id: fileId(f, 'id'), name, size, chunkSize, hashes };
}

/** A base64 bitfield of at most `maxBytes` bytes (the exact length is the reader's to check). */
export function bitfield(f: Fields, key: string, maxBytes: number): string {
  const s = f.str(key, { max: 4 * Math.ceil(maxBytes / 3), re: BASE64_RE });
  if (Buffer.from(s, 'base64').length > maxBytes) f.fail(key, `longer than ${maxBytes} bytes`);
  return s;
}
