// One download in progress under <peer>/.lanmesh/partial/<fileId>/: verified chunks written at their
// offsets in a sparse `data` file, their bits made durable by group commit, and the atomic move
// into downloads/ once the whole file matches its id.
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LanmeshError } from '../errors.js';
import { logger } from '../log.js';
import { FILE_ID_RE, type ChunkIndex, type FileId, type Manifest } from '../types.js';
import { Bitfield } from './bitfield.js';
import { chunkRange, computeFileId, sha256Hex } from './manifest.js';
import {
  DATA_FILE, STATE_FILE, fsyncDir, partialRoot, readPartialInfo, sameContent, validManifest, writeManifestFile, writeStateFile,
  type PartialInfo,
} from './partial-state.js';
import { safeJoin, sanitizeName } from './safe-path.js';
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

export interface PartialOpenInit {
  /** Where recoverable problems go (a corrupt state file); default: the lanmesh:store debug log. */
  warn?: (message: string) => void;
}

const log = logger('store');

export class PartialDownload {
  readonly manifest: Manifest;
  readonly dir: string;
  /** new: nothing on disk; resumed: verified chunks kept; restarted: unusable state discarded. */
  readonly origin: 'new' | 'resumed' | 'restarted';
  private fh: FileHandle | undefined;
  private readonly held: Bitfield;
  /** Bumped per stored chunk; durableGen is the last one state.json covers. */
  private writeGen = 0;
  private durableGen = 0;
  private flushing: Promise<void> | undefined;

  private constructor(manifest: Manifest, dir: string, fh: FileHandle, held: Bitfield, origin: PartialDownload['origin']) {
    this.manifest = manifest;
    this.dir = dir;
    this.fh = fh;
    this.held = held;
    this.origin = origin;
  }

  /** Create, or resume, the partial download of this manifest (which is validated against its id). */
  static async open(peerDir: string, manifest: Manifest, init: PartialOpenInit = {}): Promise<PartialDownload> {
    const m = validManifest(manifest);
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
    if (!resumed) {
      // Old bits must be gone for good before the data they describe is truncated away.
      await rm(join(dir, STATE_FILE), { force: true });
      await fsyncDir(dir);
    }
    const fh = await open(dataPath, resumed ? 'r+' : 'w+');
    try {
      await fh.truncate(m.size);
      const pd = new PartialDownload(m, dir, fh, resumed?.have ?? new Bitfield(m.hashes.length), origin);
      if (!resumed || resumed.manifest.name !== m.name) await writeManifestFile(dir, m);
      if (!resumed) await pd.flush();
      return pd;
    } catch (e) {
      await fh.close();
      throw new LanmeshError('IO', `cannot prepare partial download of ${m.name} in ${dir}`, { cause: e });
    }
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

  /** Deletes the partial download of `id` (not open anywhere): the file is held whole already. */
  static async remove(peerDir: string, id: FileId): Promise<void> {
    if (!FILE_ID_RE.test(id)) throw new LanmeshError('BAD_MESSAGE', `not a file id: ${id}`);
    await rm(join(partialRoot(peerDir), id), { recursive: true, force: true });
  }

  /** A copy of the chunks held now (readable with readChunk). */
  have(): Bitfield {
    return this.held.clone();
  }

  /**
   * Verify, write at its offset, and resolve once its bit is durable (data fsynced first).
   * Concurrent calls share one commit, so callers should not serialise their writes.
   */
  async writeChunk(index: ChunkIndex, data: Uint8Array): Promise<void> {
    const fh = this.handle();
    const [start, end] = this.range(index);
    if (data.length !== end - start) {
      throw new ChunkMismatchError(this.manifest.id, index, `${data.length} bytes, expected ${end - start}`);
    }
    if (sha256Hex(data) !== this.manifest.hashes[index]) {
      throw new ChunkMismatchError(this.manifest.id, index, 'SHA-256 does not match the manifest');
    }
    if (!this.held.has(index)) {
      for (let off = 0; off < data.length; ) {
        const { bytesWritten } = await fh.write(data, off, data.length - off, start + off);
        off += bytesWritten;
      }
      this.held.set(index);
      this.writeGen++;
    }
    await this.durable(this.writeGen);
  }

  /** The bytes of a held chunk (partial holders serve what they have); NOT_FOUND otherwise. */
  async readChunk(index: ChunkIndex): Promise<Buffer> {
    const fh = this.handle();
    const [start, end] = this.range(index);
    if (!this.held.has(index)) throw new LanmeshError('NOT_FOUND', `chunk ${index} of ${this.manifest.id.slice(0, 12)} is not held`);
    return readExact(fh, Buffer.alloc(end - start), start);
  }

  /**
   * Every chunk held: re-hash the data file against the id, then move it into downloadsDir under
   * a safe, unused name (never overwriting) and drop the partial folder. Returns the final path.
   * Chunks found damaged on disk are forgotten (HASH_MISMATCH) so they can be fetched again.
   */
  async complete(downloadsDir: string): Promise<string> {
    const fh = this.handle();
    const m = this.manifest;
    if (!this.held.isComplete()) {
      throw new LanmeshError('NOT_FOUND', `${m.name}: ${m.hashes.length - this.held.count()} of ${m.hashes.length} chunks still missing`);
    }
    await this.durable(this.writeGen);
    const hashes = await hashChunks(fh, m);
    const damaged = hashes.flatMap((h, i) => (h === m.hashes[i] ? [] : [i]));
    if (damaged.length > 0 || computeFileId(m.size, m.chunkSize, hashes) !== m.id) {
      for (const i of damaged) this.held.clear(i);
      await this.flush();
      throw new LanmeshError('HASH_MISMATCH', `${m.name}: chunks ${damaged.join(', ')} changed on disk; fetch them again`);
    }
    await fh.sync();
    await mkdir(downloadsDir, { recursive: true });
    const target = await placeExclusive(join(this.dir, DATA_FILE), downloadsDir, localName(m));
    await fsyncDir(downloadsDir);
    await this.close();
    await rm(this.dir, { recursive: true, force: true });
    return target;
  }

  /** Give up on this download: close and delete its partial folder. */
  async discard(): Promise<void> {
    await this.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Waits for a pending commit, then releases the data file. Idempotent. */
  async close(): Promise<void> {
    const fh = this.fh;
    if (!fh) return;
    try {
      await this.flushing?.catch(() => undefined);
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

  /** Group commit: wait until a commit that started after generation `gen` was stored has finished. */
  private async durable(gen: number): Promise<void> {
    while (this.durableGen < gen) await this.flush();
  }

  /** One commit at a time: fdatasync the data, then record the bits held before it started. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const fh = this.handle();
    const gen = this.writeGen;
    const have = this.held.toBase64();
    this.flushing = (async () => {
      try {
        await fh.datasync();
        await writeStateFile(this.dir, this.manifest, have);
        this.durableGen = Math.max(this.durableGen, gen);
      } catch (e) {
        throw new LanmeshError('IO', `cannot record progress of ${this.manifest.name}`, { cause: e });
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }
}

async function readExact(fh: FileHandle, buf: Buffer, position: number): Promise<Buffer> {
  for (let off = 0; off < buf.length; ) {
    const { bytesRead } = await fh.read(buf, off, buf.length - off, position + off);
    if (bytesRead === 0) throw new LanmeshError('IO', `data file ended at ${position + off}`);
    off += bytesRead;
  }
  return buf;
}

/** Hash each chunk of the data file with one reused buffer: memory stays at one chunk. */
async function hashChunks(fh: FileHandle, m: Manifest): Promise<string[]> {
  const buf = Buffer.alloc(Math.min(m.chunkSize, m.size));
  const out: string[] = [];
  for (let i = 0; i < m.hashes.length; i++) {
    const { start, end } = chunkRange(i, m.size, m.chunkSize);
    const part = await readExact(fh, buf.subarray(0, end - start), start);
    out.push(createHash('sha256').update(part).digest('hex'));
  }
  return out;
}

/** The wire name made safe; a name with nothing usable left ('..', '') becomes file-<id prefix>. */
function localName(m: Manifest): string {
  try {
    return sanitizeName(m.name);
  } catch {
    return `file-${m.id.slice(0, 12)}`;
  }
}

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
