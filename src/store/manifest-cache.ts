// The manifest cache (.lanmesh/manifests.json): chunk hashes by relative path, valid only while the
// file's size, mtime and the chunk size match, so a restart re-hashes only what changed.
import { readFile } from 'node:fs/promises';
import { LanmeshError, describeError } from '../errors.js';
import { chunkCount, isHashHex, MAX_CHUNK_SIZE } from './manifest.js';
import { writeFileAtomic } from './atomic-write.js';

const FORMAT = 1;

export interface CacheEntry {
  size: number;
  mtimeMs: number;
  chunkSize: number;
  hashes: string[];
}

export class ManifestCache {
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly entries: Map<string, CacheEntry>,
  ) {}

  /** Loads `file`; a missing file is an empty cache, a corrupt one is ignored with a warning. */
  static async load(file: string, onWarning: (message: string) => void): Promise<ManifestCache> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        onWarning(`ignoring manifest cache ${file}: ${describeError(e)}`);
      }
      return new ManifestCache(file, new Map());
    }
    const entries = new Map<string, CacheEntry>();
    let dropped = 0;
    try {
      const doc = JSON.parse(text) as unknown;
      if (!isRecord(doc) || doc.v !== FORMAT || !isRecord(doc.entries)) throw new Error('unknown format');
      for (const [rel, e] of Object.entries(doc.entries)) {
        if (isEntry(e)) entries.set(rel, { size: e.size, mtimeMs: e.mtimeMs, chunkSize: e.chunkSize, hashes: e.hashes });
        else dropped++;
      }
    } catch (e) {
      onWarning(`ignoring corrupt manifest cache ${file}: ${describeError(e)}`);
      const cache = new ManifestCache(file, new Map());
      cache.dirty = true;
      return cache;
    }
    const cache = new ManifestCache(file, entries);
    if (dropped > 0) {
      onWarning(`ignoring ${dropped} malformed entries in manifest cache ${file}`);
      cache.dirty = true;
    }
    return cache;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached hashes, only when size, mtime and chunk size all match. */
  get(relPath: string, size: number, mtimeMs: number, chunkSize: number): string[] | undefined {
    const e = this.entries.get(relPath);
    if (!e || e.size !== size || e.mtimeMs !== mtimeMs || e.chunkSize !== chunkSize) return undefined;
    return e.hashes;
  }

  set(relPath: string, entry: CacheEntry): void {
    this.entries.set(relPath, { ...entry, hashes: [...entry.hashes] });
    this.dirty = true;
  }

  /** Forgets files that are gone; true when something was dropped. */
  retain(relPaths: ReadonlySet<string>): boolean {
    let dropped = false;
    for (const rel of this.entries.keys()) {
      if (!relPaths.has(rel)) {
        this.entries.delete(rel);
        dropped = true;
      }
    }
    if (dropped) this.dirty = true;
    return dropped;
  }

  /** Writes the cache if it changed since the last save; saves never overlap. */
  save(): Promise<void> {
    const next = this.saving.then(() => this.write());
    this.saving = next.catch(() => {});
    return next;
  }

  private async write(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const doc = { v: FORMAT, entries: Object.fromEntries(this.entries) };
    try {
      await writeFileAtomic(this.file, JSON.stringify(doc));
    } catch (e) {
      this.dirty = true;
      throw new LanmeshError('IO', `cannot write manifest cache ${this.file}: ${describeError(e)}`, { cause: e });
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEntry(v: unknown): v is CacheEntry {
  if (!isRecord(v)) return false;
  const { size, mtimeMs, chunkSize, hashes } = v;
  if (!Number.isSafeInteger(size) || (size as number) < 0 || typeof mtimeMs !== 'number' || !Number.isFinite(mtimeMs)) {
    return false;
  }
  if (!Number.isSafeInteger(chunkSize) || (chunkSize as number) <= 0 || (chunkSize as number) > MAX_CHUNK_SIZE) return false;
  return (
    Array.isArray(hashes) &&
    hashes.length === chunkCount(size as number, chunkSize as number) &&
    hashes.every(isHashHex)
  );
}
