// One download in progress under <peer>/.lanmesh/partial/<fileId>/: verified chunks written at their
// offsets in a sparse `data` file, their bits made durable in batches (commit-batch.ts), and the
// atomic move into downloads/ once every chunk is proven to match the manifest (whose id is the
// hash of its hash list): chunks this process verified as they arrived are not read again.
import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LanmeshError, isLanmeshError } from '../errors.js';
import { logger } from '../log.js';
import { FILE_ID_RE, type ChunkIndex, type FileId, type Manifest } from '../types.js';
import { Bitfield } from './bitfield.js';
import { chunkRange, sha256Hex } from './manifest.js';
import {
  DATA_FILE, STATE_FILE, fsyncDir, partialRoot, readPartialInfo, sameContent, validManifest, writeManifestFile, writeStateFile,
  type PartialInfo,
} from './partial-state.js';
import { CommitBatch } from './commit-batch.js';
import { hashChunksHere, localName, readExact } from './partial-files.js';
import { placeExclusive } from './place.js';

export type { PartialInfo } from './partial-state.js';

/** A chunk whose bytes do not hash to the manifest's entry; nothing was written. */
export class ChunkMismatchError extends LanmeshError {
  readonly index: ChunkIndex;
  constructor(fileId: string, index: ChunkIndex, why: string) {
    super('HASH_MISMATCH', `chunk ${index} of ${fileId.slice(0, 12)}: ${why}`);
    this.index = index;
  }
}

/** Re-hashes chunks of a file off the main thread (the store's hash worker). */
export interface ChunkHasher {
  hashChunks(path: string, chunkSize: number, indices: ChunkIndex[]): Promise<string[]>;
}

export interface PartialOpenInit {
  /** Where recoverable problems go (a corrupt state file); default: the lanmesh:store debug log. */
  warn?: (message: string) => void;
  /** Re-checks chunks this process did not verify (kept from before a restart); default: in this thread. */
  hasher?: ChunkHasher;
}

/** A commit covers at most this many stored chunks, or what arrived within COMMIT_DELAY_MS. */
const COMMIT_CHUNKS = 64;
/** A single-chunk download's data file in .lanmesh/partial/ (not a file id: list() passes over it). */
const SINGLE_SUFFIX = '.single';
const COMMIT_DELAY_MS = 250;

const log = logger('store');

export class PartialDownload {
  readonly manifest: Manifest;
  readonly dir: string;
  /** new: nothing on disk; resumed: verified chunks kept; restarted: unusable state discarded. */
  readonly origin: 'new' | 'resumed' | 'restarted';
  private fh: FileHandle | undefined;
  private readonly held: Bitfield;
  /** Chunks this process hashed on arrival: complete() need not read them back. */
  private readonly verified: Bitfield;
  private readonly commits: CommitBatch;
  /** A single-chunk file has nothing to resume: no progress commits (complete() still fsyncs it). */
  private readonly single: boolean;

  private constructor(
    manifest: Manifest,
    dir: string,
    fh: FileHandle,
    held: Bitfield,
    origin: PartialDownload['origin'],
    private readonly hasher: ChunkHasher | undefined,
    /** The data file: dir/data, or for a single chunk a lone file beside the partial folders. */
    private readonly dataPath: string = join(dir, DATA_FILE),
  ) {
    this.manifest = manifest;
    this.dir = dir;
    this.fh = fh;
    this.held = held;
    this.verified = new Bitfield(manifest.hashes.length);
    this.origin = origin;
    this.single = manifest.hashes.length <= 1;
    this.commits = new CommitBatch({ commit: () => this.record(), maxPending: COMMIT_CHUNKS, maxDelayMs: COMMIT_DELAY_MS });
  }

  /** Progress commits so far (each: one fdatasync of the data, one state.json). */
  get commitCount(): number {
    return this.commits.commits;
  }

  /** Create, or resume, the partial download of this manifest (which is validated against its id). */
  static async open(peerDir: string, manifest: Manifest, init: PartialOpenInit = {}): Promise<PartialDownload> {
    const m = validManifest(manifest);
    if (m.hashes.length <= 1) return PartialDownload.openSingle(peerDir, m, init);
    const warn = init.warn ?? ((msg: string) => log(msg));
    const dir = join(partialRoot(peerDir), m.id);
    const created = (await mkdir(dir, { recursive: true }).catch((e: unknown) => {
      throw new LanmeshError('IO', `cannot create ${dir}`, { cause: e });
    })) !== undefined;
    const dataPath = join(dir, DATA_FILE);
    let resumed: PartialInfo | undefined;
    if (!created) {
      try {
        const info = await readPartialInfo(dir);
        const size = (await stat(dataPath)).size;
        if (!sameContent(info.manifest, m)) throw new Error('its manifest differs');
        if (size !== m.size) throw new Error(`its data file has ${size} bytes, not ${m.size}`);
        resumed = info;
      } catch (e) {
        warn(`partial download ${m.id.slice(0, 12)} (${m.name}): state unusable, starting over: ${(e as Error).message}`);
      }
    }
    const origin = resumed ? 'resumed' : created ? 'new' : 'restarted';
    if (origin === 'restarted') {
      // Old bits must be gone for good before the data they describe is truncated away.
      await rm(join(dir, STATE_FILE), { force: true });
      await fsyncDir(dir);
    }
    const fh = await open(dataPath, resumed ? 'r+' : 'w+');
    try {
      await fh.truncate(m.size);
      const pd = new PartialDownload(m, dir, fh, resumed?.have ?? new Bitfield(m.hashes.length), origin, init.hasher);
      // No state.json yet means no chunk held (readPartialInfo): the first commit writes it.
      if (!resumed || resumed.manifest.name !== m.name) await writeManifestFile(dir, m);
      return pd;
    } catch (e) {
      await fh.close();
      throw new LanmeshError('IO', `cannot prepare partial download of ${m.name} in ${dir}`, { cause: e });
    }
  }

  /**
   * A file of at most one chunk has nothing to resume: no folder, manifest or state, only its data
   * in `.lanmesh/partial/<id>.single` (which list() ignores), placed like any other when complete.
   */
  private static async openSingle(peerDir: string, m: Manifest, init: PartialOpenInit): Promise<PartialDownload> {
    const root = partialRoot(peerDir);
    const dataPath = join(root, `${m.id}${SINGLE_SUFFIX}`);
    // The folder is there but for the first download: create it only when the open says it is not.
    const fh = await open(dataPath, 'w+')
      .catch(async (e: unknown) => {
        if (!isMissing(e)) throw e;
        await mkdir(root, { recursive: true }).catch((err: unknown) => {
          throw new LanmeshError('IO', `cannot create ${root}`, { cause: err });
        });
        return open(dataPath, 'w+');
      })
      .catch((e: unknown) => {
        throw isLanmeshError(e) ? e : new LanmeshError('IO', `cannot prepare the download of ${m.name} in ${root}`, { cause: e });
      });
    return new PartialDownload(m, root, fh, new Bitfield(m.hashes.length), 'new', init.hasher, dataPath);
  }

  /** Partial downloads on disk (to resume them, and to offer their chunks); unreadable ones are skipped with a warning. */
  static async list(peerDir: string, init: PartialOpenInit = {}): Promise<PartialInfo[]> {
    const warn = init.warn ?? ((msg: string) => log(msg));
    const root = partialRoot(peerDir);
    let names: string[];
    try {
      names = await readdir(root);
    } catch (e) {
      if (isMissing(e)) return [];
      throw new LanmeshError('IO', `cannot read ${root}`, { cause: e });
    }
    const out: PartialInfo[] = [];
    for (const name of names.filter((n) => FILE_ID_RE.test(n)).sort()) {
      try {
        const info = await readPartialInfo(join(root, name));
        if (info.manifest.id !== name) throw new Error(`it holds file ${info.manifest.id}`);
        out.push(info);
      } catch (e) {
        warn(`partial download ${name.slice(0, 12)} skipped: ${(e as Error).message}`);
      }
    }
    return out;
  }

  /**
   * The partial download of `id` on disk, if any: only its own folder is read, so starting one of
   * many downloads costs O(1) and never trips over another download's folder being made.
   */
  static async find(peerDir: string, id: FileId, init: PartialOpenInit = {}): Promise<PartialInfo | undefined> {
    if (!FILE_ID_RE.test(id)) throw new LanmeshError('BAD_MESSAGE', `not a file id: ${id}`);
    try {
      const info = await readPartialInfo(join(partialRoot(peerDir), id));
      if (info.manifest.id !== id) throw new Error(`it holds file ${info.manifest.id}`);
      return info;
    } catch (e) {
      if (!isMissing(e)) (init.warn ?? ((msg: string) => log(msg)))(`partial download ${id.slice(0, 12)} skipped: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** Ids of single-chunk downloads whose data file is on disk (left by a crash unless running now). */
  static async singles(peerDir: string): Promise<FileId[]> {
    const names = await readdir(partialRoot(peerDir)).catch(() => [] as string[]);
    return names.flatMap((n) => {
      const id = n.endsWith(SINGLE_SUFFIX) ? n.slice(0, -SINGLE_SUFFIX.length) : '';
      return FILE_ID_RE.test(id) ? [id as FileId] : [];
    });
  }

  /** Deletes the partial download of `id` (not open anywhere): the file is held whole already. */
  static async remove(peerDir: string, id: FileId): Promise<void> {
    if (!FILE_ID_RE.test(id)) throw new LanmeshError('BAD_MESSAGE', `not a file id: ${id}`);
    await rm(join(partialRoot(peerDir), id), { recursive: true, force: true });
    await rm(join(partialRoot(peerDir), `${id}${SINGLE_SUFFIX}`), { force: true });
  }

  /** A copy of the chunks held now (readable with readChunk). */
  have(): Bitfield {
    return this.held.clone();
  }

  /**
   * Verify and write at its offset; resolves once written. Its bit becomes durable with the next
   * batch commit (after the data is fsynced); `commit()` waits for that.
   */
  async writeChunk(index: ChunkIndex, data: Uint8Array): Promise<void> {
    const fh = this.handle();
    this.commits.check();
    const [start, end] = this.range(index);
    if (data.length !== end - start) {
      throw new ChunkMismatchError(this.manifest.id, index, `${data.length} bytes, expected ${end - start}`);
    }
    if (sha256Hex(data) !== this.manifest.hashes[index]) {
      throw new ChunkMismatchError(this.manifest.id, index, 'SHA-256 does not match the manifest');
    }
    if (this.held.has(index)) return;
    for (let off = 0; off < data.length; ) {
      const { bytesWritten } = await fh.write(data, off, data.length - off, start + off);
      off += bytesWritten;
    }
    this.held.set(index);
    this.verified.set(index);
    if (!this.single) this.commits.stored();
  }

  /** Resolves once every chunk written so far is durable (its bit recorded after its data is fsynced). */
  commit(): Promise<void> {
    return this.single ? Promise.resolve() : this.commits.durable();
  }

  /** The bytes of a held chunk (partial holders serve what they have); NOT_FOUND otherwise. */
  async readChunk(index: ChunkIndex): Promise<Buffer> {
    const fh = this.handle();
    const [start, end] = this.range(index);
    if (!this.held.has(index)) throw new LanmeshError('NOT_FOUND', `chunk ${index} of ${this.manifest.id.slice(0, 12)} is not held`);
    return readExact(fh, Buffer.alloc(end - start), start);
  }

  /**
   * Every chunk held: prove the file, then move it into downloadsDir under a safe, unused name
   * (never overwriting) and drop the partial folder. Returns the final path. The proof: every chunk
   * matches the manifest's hash list, whose hash is the id (checked at open). Chunks verified by
   * this process as they arrived count as they are; the others (kept from an earlier run) are read
   * and hashed again, and those found damaged are forgotten (HASH_MISMATCH) to be fetched again.
   * `onPlace` hears the final path just before the file appears there.
   */
  async complete(downloadsDir: string, onPlace?: (target: string) => void): Promise<string> {
    const fh = this.handle();
    const m = this.manifest;
    if (!this.held.isComplete()) {
      throw new LanmeshError('NOT_FOUND', `${m.name}: ${m.hashes.length - this.held.count()} of ${m.hashes.length} chunks still missing`);
    }
    await this.commit();
    const unverified = m.hashes.flatMap((_, i) => (this.verified.has(i) ? [] : [i]));
    if (unverified.length > 0) {
      const hashes = this.hasher
        ? await this.hasher.hashChunks(this.dataPath, m.chunkSize, unverified)
        : await hashChunksHere(fh, m, unverified);
      const damaged = unverified.filter((i, k) => hashes[k] !== m.hashes[i]);
      for (const i of unverified) if (!damaged.includes(i)) this.verified.set(i);
      if (damaged.length > 0) {
        for (const i of damaged) this.held.clear(i);
        await this.commits.flush();
        throw new LanmeshError('HASH_MISMATCH', `${m.name}: chunks ${damaged.join(', ')} changed on disk; fetch them again`);
      }
    }
    await fh.sync();
    await mkdir(downloadsDir, { recursive: true });
    const target = await placeExclusive(this.dataPath, downloadsDir, localName(m), { onPlace });
    await fsyncDir(downloadsDir);
    await this.close();
    await this.remove();
    return target;
  }

  /** Deletes what this download keeps on disk (its folder, or a single chunk's lone data file). */
  private async remove(): Promise<void> {
    await rm(this.single ? this.dataPath : this.dir, { recursive: !this.single, force: true });
  }

  /** Give up on this download: close and delete its partial folder. */
  async discard(): Promise<void> {
    await this.close(false);
    await this.remove();
  }

  /** Commits what was written (so a resume keeps it), then releases the data file. Idempotent. */
  async close(commitFirst = true): Promise<void> {
    const fh = this.fh;
    if (!fh) return;
    try {
      if (commitFirst && !this.single) await this.commits.durable().catch(() => undefined);
      await this.commits.idle();
    } finally {
      this.fh = undefined;
      await fh.close();
    }
  }

  private handle(): FileHandle {
    if (!this.fh) throw new LanmeshError('IO', `partial download ${this.manifest.id.slice(0, 12)} is closed`);
    return this.fh;
  }

  private range(index: ChunkIndex): [number, number] {
    if (!Number.isInteger(index) || index < 0 || index >= this.manifest.hashes.length) {
      throw new LanmeshError('BAD_MESSAGE', `chunk ${index} out of range for ${this.manifest.id.slice(0, 12)}`);
    }
    const { start, end } = chunkRange(index, this.manifest.size, this.manifest.chunkSize);
    return [start, end];
  }

  /** One batch commit: fdatasync the data, then record the bits held when it started. */
  private async record(): Promise<void> {
    const fh = this.handle();
    const have = this.held.toBase64();
    try {
      await fh.datasync();
      await writeStateFile(this.dir, this.manifest, have);
    } catch (e) {
      throw new LanmeshError('IO', `cannot record progress of ${this.manifest.name}`, { cause: e });
    }
  }
}

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
