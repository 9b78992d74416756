// A peer's own complete files: owns the folder checks, the hash worker, the manifest cache and the
// watchers; keeps the file index current while the folder changes and reads chunk bytes from disk.
import { EventEmitter } from 'node:events';
import { lstat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { DEFAULT_CHUNK_SIZE, type FileId, type Manifest } from '../types.js';
import { LanmeshError, describeError } from '../errors.js';
import { chunkRange, MAX_CHUNK_SIZE, verifyManifest } from './manifest.js';
import { Hasher, type FileHasher } from './hasher.js';
import type { ChunkHasher } from './partial-download.js';
import { ManifestCache } from './manifest-cache.js';
import { META_DIR, OFFERED_FOLDERS, isIgnoredName, scanFolder } from './scan.js';
import { FolderWatch } from './watch.js';
import type { FolderLock } from './folder-lock.js';
import { prepareFolder } from './store-folder.js';
import { FileIndex, type LocalFile } from './file-index.js';
import { isInside } from './safe-path.js';
import { ReadHandles, readIndexedRange } from './read-handles.js';
import { ExpectedPaths } from './expected-paths.js';
import { logger } from '../log.js';

const log = logger('store');

export type { LocalFile } from './file-index.js';
export type { Origin } from './scan.js';

export interface LocalStoreInit {
  dir: string;
  chunkSize?: number;
  /** An injected hasher belongs to the caller (the store does not close it). Default: a worker-thread Hasher. */
  hasher?: FileHasher;
  /** Quiet time after a watch event before rescanning (default 100 ms). */
  debounceMs?: number;
  /** Backstop rescan period for missed watch events (default 3000 ms; 0 disables it). */
  pollMs?: number;
  /** A file modified less than this long ago is hashed once it has been still that long (default 300 ms). */
  settleMs?: number;
}

export interface LocalStoreEvents {
  change: [];
  warning: [message: string];
  /** A burst of watch events was handled: by a rescan, or without one (all named files known). */
  watched: [rescanned: boolean];
}

const CHANGE_COALESCE_MS = 30;
/** How long a path announced by expect() is left to addFile. */
const EXPECT_MS = 10_000;
const SAVE_DELAY_MS = 1000;

export class LocalStore extends EventEmitter<LocalStoreEvents> {
  readonly chunkSize: number;
  private readonly hasher: FileHasher;
  /** Starts at the clock so a restarted peer never announces a revision it used before. */
  private rev = Date.now();
  private index: FileIndex | undefined;
  private cache: ManifestCache | undefined;
  private watch: FolderWatch | undefined;
  /** Scan issues of the last pass (relPath → message), so each is warned once. */
  private issues = new Map<string, string>();
  private readonly closeAc = new AbortController();
  /** Paths a finished download is being placed at: addFile indexes them, no scan needs to. */
  private readonly expected = new ExpectedPaths(EXPECT_MS);
  /** Files being served stay open between chunk reads. */
  private readonly handles = new ReadHandles();
  private passChain: Promise<unknown> = Promise.resolve();
  private queuedPass: Promise<Promise<void>[]> | undefined;
  private changeTimer: NodeJS.Timeout | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    private readonly realDir: string,
    private readonly init: LocalStoreInit,
    private readonly lock: FolderLock,
  ) {
    super();
    this.chunkSize = init.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.hasher = init.hasher ?? new Hasher();
  }

  /** Checks the folder (FOLDER_UNUSABLE, with its path) and creates shared/, downloads/, .lanmesh/. */
  static async open(init: LocalStoreInit): Promise<LocalStore> {
    const cs = init.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isSafeInteger(cs) || cs <= 0 || cs > MAX_CHUNK_SIZE) {
      throw new LanmeshError('BAD_CONFIG', `chunk size must be 1..${MAX_CHUNK_SIZE} bytes, got ${cs}`);
    }
    const { dir, realDir, lock } = await prepareFolder(init.dir);
    return new LocalStore(dir, realDir, init, lock);
  }

  /** First scan and hashing, then watching; resolves when the initial index is complete. Idempotent. */
  start(): Promise<void> {
    if (this.closing) return Promise.reject(new LanmeshError('IO', `store ${this.dir} is closed`));
    this.starting ??= (async () => {
      const cache = await ManifestCache.load(join(this.dir, META_DIR, 'manifests.json'), (m) => this.warn(m));
      if (this.closing) return;
      this.cache = cache;
      this.index = new FileIndex({
        chunkSize: this.chunkSize,
        hasher: this.hasher,
        cache,
        settleMs: this.init.settleMs ?? 300,
        onChange: () => this.changed(),
        onStale: () => void this.rescan(),
        onWarning: (m) => this.warn(m),
        signal: this.closeAc.signal,
      });
      this.watch = new FolderWatch({
        onChange: (paths) => void this.changedPaths(paths),
        onWarning: (m) => this.warn(m),
        debounceMs: this.init.debounceMs ?? 100,
        pollMs: this.init.pollMs ?? 3000,
      });
      await this.rescan();
      this.flushChange();
      await this.saveCache();
    })();
    return this.starting;
  }

  files(): LocalFile[] {
    return this.index?.files() ?? [];
  }

  /** A holder of `id` (the same bytes may be held under several names). */
  byId(id: FileId): LocalFile | undefined {
    return this.index?.holders(id)[0];
  }

  /** The hash worker, for partial downloads to re-check chunks off the main thread (when it can). */
  chunkHasher(): ChunkHasher | undefined {
    const h = this.hasher;
    if (!h.hashChunks) return undefined;
    return { hashChunks: (path, chunkSize, indices) => h.hashChunks!(path, chunkSize, indices, this.closeAc.signal) };
  }

  /** Increases whenever the set of files or their manifests changes. */
  revision(): number {
    return this.rev;
  }

  /**
   * Scans again (stat only: unchanged files are not re-hashed) and resolves once what changed is
   * hashed. Calls during a scan share the one queued after it. No-op before start() and after close().
   */
  rescan(): Promise<void> {
    if (this.closing || !this.index) return Promise.resolve();
    if (!this.queuedPass) {
      const pass = this.passChain.then(() => {
        this.queuedPass = undefined;
        return this.pass().catch((e: unknown) => {
          this.warn(`scan of ${this.dir} failed: ${describeError(e)}`);
          return [];
        });
      });
      this.queuedPass = pass;
      this.passChain = pass;
    }
    return this.queuedPass.then((waits) => Promise.allSettled(waits)).then(() => {});
  }

  /**
   * A file is about to appear at `path` and will be offered with addFile: until then (at most
   * EXPECT_MS) watch events and scans leave it alone instead of hashing it again.
   */
  expect(path: string): void {
    this.expected.add(path);
  }

  /**
   * Offers a file just placed in shared/ or downloads/ without waiting for the watcher. A manifest
   * the caller already verified against this very file (same size and chunk size) saves re-hashing.
   */
  async addFile(absPath: string, manifest?: Manifest): Promise<LocalFile> {
    const index = this.index;
    if (this.closing || !index) throw new LanmeshError('IO', `store ${this.dir} is not running`);
    const path = resolve(absPath);
    const relPath = relative(this.dir, path).split(sep).join('/');
    const origin = OFFERED_FOLDERS.find((o) => relPath.startsWith(`${o}/`));
    if (!isInside(this.dir, path) || !origin || relPath.split('/').some(isIgnoredName)) {
      throw new LanmeshError('UNSAFE_NAME', `${path} is not an offered file under ${this.dir}`);
    }
    const st = await lstat(path).catch(() => undefined);
    if (!st?.isFile()) throw new LanmeshError('NOT_FOUND', `${path} is not a regular file`);
    const f = { path, relPath, origin, size: st.size, mtimeMs: st.mtimeMs };
    this.expected.done(path);
    if (verifyManifest(manifest) && manifest.size === st.size && manifest.chunkSize === this.chunkSize) {
      return index.put(f, manifest.hashes);
    }
    const r = await this.hasher.hash(path, this.chunkSize, this.closeAc.signal);
    return index.put({ ...f, size: r.size, mtimeMs: r.mtimeMs }, r.hashes);
  }

  /**
   * Chunk `index` of file `id`, read from disk (into a buffer from `alloc` when given); NOT_FOUND
   * when not held, out of range, or changed.
   */
  async readChunk(id: FileId, index: number, alloc: (length: number) => Buffer = Buffer.allocUnsafe): Promise<Buffer> {
    const holders = this.index?.holders(id) ?? [];
    const first = holders[0];
    if (!first) throw new LanmeshError('NOT_FOUND', `file ${id} is not held here`);
    const { start, end } = chunkRange(index, first.manifest.size, first.manifest.chunkSize);
    let lastError: unknown;
    for (const lf of holders) {
      // A kept handle may be of a file since replaced under the same name: one retry with a fresh one.
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          return await this.handles.with(lf.path, (fh) => readIndexedRange(fh, lf, start, end, alloc));
        } catch (e) {
          lastError = e;
          this.handles.invalidate(lf.path);
        }
      }
      void this.rescan();
    }
    throw new LanmeshError('NOT_FOUND', `chunk ${index} of ${first.relPath}: ${describeError(lastError)}`, {
      cause: lastError,
    });
  }

  /** Idempotent: stops watching and hashing, saves the cache. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closeAc.abort();
      this.watch?.close();
      clearTimeout(this.changeTimer);
      clearTimeout(this.saveTimer);
      await this.passChain;
      await this.index?.idle();
      await this.handles.close();
      if (!this.init.hasher) await this.hasher.close();
      await this.saveCache();
      await this.lock.release();
    })();
    return this.closing;
  }

  /**
   * Watch events: when they named only files the index already holds as they are (a download this
   * store just indexed with addFile), nothing is rescanned; otherwise the whole folder is.
   */
  private async changedPaths(paths: string[] | undefined): Promise<void> {
    const index = this.index;
    if (paths && index && paths.length <= 64) {
      const known = await Promise.all(
        paths.map(async (p) => {
          if (this.expected.has(p)) return true;
          const st = await lstat(p).catch(() => undefined);
          return st !== undefined && st.isFile() && index.has(p, st.size, st.mtimeMs);
        }),
      );
      if (known.every(Boolean)) {
        this.emit('watched', false);
        return;
      }
    }
    await this.rescan();
    this.emit('watched', true);
  }

  /** One scan: applies what stat alone tells (removals, cache hits) and returns the pending hash jobs. */
  private async pass(): Promise<Promise<void>[]> {
    const index = this.index;
    if (this.closing || !index) return [];
    const issues = new Map<string, string>();
    const since = index.mark();
    const t0 = performance.now();
    const { files, dirs } = await scanFolder({
      root: this.dir,
      realRoot: this.realDir,
      onIssue: (rel, msg) => issues.set(rel, msg),
      onDir: (d) => this.watch?.add(d),
      signal: this.closeAc.signal,
    });
    if (this.closing) return [];
    this.watch?.scanTook(performance.now() - t0);
    // The peer folder itself is watched too, so shared/ or downloads/ made anew is noticed at once.
    this.watch?.add(this.dir);
    this.watch?.retain(new Set([this.dir, ...dirs]));
    for (const [rel, msg] of issues) if (this.issues.get(rel) !== msg) this.warn(msg);
    this.issues = issues;
    // A download being placed is indexed by addFile with its verified manifest: not hashed here.
    const waits = index.reconcile(files.filter((f) => !this.expected.has(f.path)), since);
    log('scan of %s: %d files in %d folders, %d to hash', this.dir, files.length, dirs.length, waits.length);
    this.scheduleSave();
    return waits;
  }

  /** Bumps the revision at once; `change` is emitted once per burst. */
  private changed(): void {
    this.rev++;
    this.scheduleSave();
    if (this.changeTimer || this.closing) return;
    this.changeTimer = setTimeout(() => this.flushChange(), CHANGE_COALESCE_MS);
    this.changeTimer.unref();
  }

  private flushChange(): void {
    if (!this.changeTimer) return;
    clearTimeout(this.changeTimer);
    this.changeTimer = undefined;
    if (!this.closing) this.emit('change');
  }

  private scheduleSave(): void {
    if (this.saveTimer || this.closing) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.saveCache();
    }, SAVE_DELAY_MS);
    this.saveTimer.unref();
  }

  private async saveCache(): Promise<void> {
    try {
      await this.cache?.save();
    } catch (e) {
      this.warn(describeError(e));
    }
  }

  private warn(message: string): void {
    this.emit('warning', message);
  }
}
