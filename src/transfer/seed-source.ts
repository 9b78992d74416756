// What this peer offers the mesh: its complete files (the store) plus the chunks its running
// downloads already hold, advertised with a `have` bitfield whose changes are published at most once a second.
import { EventEmitter } from 'node:events';
import type { LocalStore } from '../store/local-store.js';
import type { PartialDownload } from '../store/partial-download.js';
import type { CatalogEntry, ChunkIndex, FileId, Manifest, PeerId } from '../types.js';
import { LanmeshError } from '../errors.js';
import type { CatalogSource } from './sender.js';
import { isSafeRelPath } from '../wire/paths.js';
import { readSmallSync } from '../store/small-read.js';
import type { ChunkSource } from './upload.js';

export interface SeedSourceEvents {
  /** The offer changed (a partial download gained chunks, appeared or went): publish it. */
  change: [];
}

/**
 * The path a file is offered under ("docs/a.txt" for shared/docs/a.txt), or undefined for a file at
 * the top of shared/ or downloads/, or one whose path the wire would refuse (it is then offered by name only).
 */
export function offeredPath(relPath: string): string | undefined {
  const slash = relPath.indexOf('/');
  const path = relPath.slice(slash + 1);
  if (!path.includes('/') || !isSafeRelPath(path)) return undefined;
  return path;
}

export class SeedSource extends EventEmitter<SeedSourceEvents> implements CatalogSource, ChunkSource {
  private readonly partials = new Map<FileId, PartialDownload>();
  /** Added to the store's revision so partial progress changes the announced revision too. */
  private bumps = 0;
  private lastEmit = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: LocalStore,
    readonly peerId: PeerId,
    private readonly throttleMs = 1000,
  ) {
    super();
  }

  /** Both parts only grow, so the sum never repeats, even across restarts (the store's starts at the clock). */
  revision(): number {
    return this.store.revision() + this.bumps;
  }

  /** One entry per (id, name) held complete, then one per partial download that has chunks. */
  entries(): CatalogEntry[] {
    const seen = new Set<string>();
    const out: CatalogEntry[] = [];
    for (const f of this.store.files()) {
      const { id, name, size, chunkSize } = f.manifest;
      const path = offeredPath(f.relPath);
      const key = `${id}/${path ?? name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(path === undefined ? { id, name, size, chunkSize } : { id, name, size, chunkSize, path });
    }
    for (const [id, pd] of this.partials) {
      if (this.store.byId(id)) continue;
      const have = pd.have();
      if (have.count() === 0) continue;
      const { name, size, chunkSize } = pd.manifest;
      out.push({ id, name, size, chunkSize, have: have.toBase64() });
    }
    return out;
  }

  manifest(id: FileId): Manifest | undefined {
    return this.store.byId(id)?.manifest ?? this.partials.get(id)?.manifest;
  }

  has(id: FileId): boolean {
    if (this.store.byId(id)) return true;
    const pd = this.partials.get(id);
    return pd !== undefined && pd.have().count() > 0;
  }

  async readChunk(id: FileId, index: ChunkIndex, alloc?: (length: number) => Buffer): Promise<Buffer> {
    const held = this.store.byId(id);
    // A small file whole (a folder's batches): one synchronous read; anything unexpected takes the usual path.
    if (held && index === 0 && held.manifest.size > 0 && held.manifest.size <= held.manifest.chunkSize) {
      const data = readSmallSync(held, alloc ?? Buffer.allocUnsafe);
      if (data) return data;
    }
    if (held) return this.store.readChunk(id, index, alloc);
    const pd = this.partials.get(id);
    if (!pd) throw new LanmeshError('NOT_FOUND', `file ${id} is not held here`);
    return pd.readChunk(index);
  }

  /** Serve (and advertise) what this partial download holds, from now on. */
  addPartial(pd: PartialDownload): void {
    this.partials.set(pd.manifest.id, pd);
    this.changed(true);
  }

  removePartial(id: FileId): void {
    if (this.partials.delete(id)) this.changed(true);
  }

  /** A partial download gained a chunk. */
  progressed(): void {
    this.changed(false);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.partials.clear();
  }

  private changed(now: boolean): void {
    this.bumps++;
    if (this.timer) return;
    const wait = now ? 0 : this.lastEmit + this.throttleMs - Date.now();
    if (wait <= 0) {
      this.lastEmit = Date.now();
      this.emit('change');
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastEmit = Date.now();
      this.emit('change');
    }, wait);
    this.timer.unref();
  }
}
