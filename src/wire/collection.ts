// A folder's content id (docs/PROTOCOL.md "Folders"): the SHA-256 of its canonical file list, so the
// same tree under two folder names, on any peers, is one folder. Pure.
import { createHash } from 'node:crypto';
import type { FileId } from '../types.js';

export interface CollectionItem {
  /** Relative to the folder ("lab/a.txt"), '/'-separated. */
  path: string;
  size: number;
  id: FileId;
}

/** Items sorted by the UTF-8 bytes of their path (the canonical order). */
export function canonicalOrder<T extends { path: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

/** Hex SHA-256 of `lanmesh-folder-v1\n` then `<path>\n<size>\n<id>\n` per file in canonical order. */
export function collectionId(items: readonly CollectionItem[]): string {
  const h = createHash('sha256').update('lanmesh-folder-v1\n');
  for (const it of canonicalOrder(items)) h.update(`${it.path}\n${it.size}\n${it.id}\n`);
  return h.digest('hex');
}
