// A folder download on disk (.lanmesh/folders/<folder id>/): state.json (the folder's name and file
// list, to resume it) and tree/, where each file is placed once verified. Nothing of it is offered or
// visible in downloads/ until the whole tree is there; then tree/ moves into downloads/ in one rename.
import { createHash, randomBytes } from 'node:crypto';
import { constants, writeFileSync } from 'node:fs';
import { copyFile, lstat, mkdir, open, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LanmeshError, describeError } from '../errors.js';
import { FILE_ID_RE, type FileId } from '../types.js';
import { computeFileId } from './manifest.js';
import { writeFileAtomic } from './atomic-write.js';
import { safeJoin } from './safe-path.js';
import { claimFolder } from './place.js';
import { META_DIR } from './scan.js';
import { pathProblem } from '../wire/paths.js';

export interface FolderEntry {
  path: string;
  id: FileId;
  size: number;
  chunkSize: number;
}

export interface FolderState {
  id: string;
  /** The folder's name on the mesh (the name it gets in downloads/, or `name (n)`). */
  name: string;
  files: FolderEntry[];
}

const STATE = 'state.json';
/** Files up to this size are written synchronously (page-cache writes: microseconds). */
const SYNC_WRITE_MAX = 256 * 1024;
const TREE = 'tree';
const ID_RE = /^[0-9a-f]{64}$/;

export const foldersRoot = (peerDir: string): string => join(peerDir, META_DIR, 'folders');

/** A folder name from the wire as one local folder name (one segment, no leading dot); UNSAFE_NAME if none. */
export function folderName(name: string): string {
  const problem = pathProblem(name);
  const clean = name.replace(/^\.+/, '');
  if (problem || clean === '' || name.includes('/')) throw new LanmeshError('UNSAFE_NAME', `not a usable folder name: ${JSON.stringify(name.slice(0, 100))}`);
  return clean;
}

export class FolderPartial {
  /** Folders of the tree known to exist (made by this process), so each file costs no mkdir. */
  private readonly made = new Set<string>();
  /** Files in the tree when it was opened (relative paths); undefined until listed. */
  private present: Set<string> | undefined;

  private constructor(readonly dir: string, readonly state: FolderState) {}

  get tree(): string {
    return join(this.dir, TREE);
  }

  /** Opens the folder download `state.id`, creating it (and its state file) when it is not on disk yet. */
  static async open(peerDir: string, state: FolderState): Promise<FolderPartial> {
    if (!ID_RE.test(state.id)) throw new LanmeshError('BAD_MESSAGE', `not a folder id: ${state.id}`);
    for (const f of state.files) {
      const problem = pathProblem(f.path);
      if (problem) throw new LanmeshError('UNSAFE_NAME', `folder ${state.name}: path ${JSON.stringify(f.path.slice(0, 100))} ${problem}`);
    }
    const dir = join(foldersRoot(peerDir), state.id);
    await mkdir(join(dir, TREE), { recursive: true });
    const existing = await readState(dir).catch(() => undefined);
    if (!existing) await writeFileAtomic(join(dir, STATE), JSON.stringify(state));
    return new FolderPartial(dir, existing ?? state);
  }

  /** Folder downloads left on disk (unreadable ones are skipped with a warning). */
  static async list(peerDir: string, warn: (m: string) => void): Promise<FolderState[]> {
    let names: string[];
    try {
      names = await readdir(foldersRoot(peerDir));
    } catch {
      return [];
    }
    const out: FolderState[] = [];
    for (const n of names.filter((x) => ID_RE.test(x)).sort()) {
      try {
        out.push(await readState(join(foldersRoot(peerDir), n)));
      } catch (e) {
        warn(`folder download ${n.slice(0, 12)} skipped: ${describeError(e)}`);
      }
    }
    return out;
  }

  static async remove(peerDir: string, id: string): Promise<void> {
    if (!ID_RE.test(id)) return;
    await rm(join(foldersRoot(peerDir), id), { recursive: true, force: true });
  }

  /** Absolute path of `rel` in the tree (never outside it). */
  pathOf(rel: string): string {
    return safeJoin(this.tree, ...rel.split('/'));
  }

  /**
   * True when `f` is in the tree and proven: a file of at most one chunk is hashed again (it was
   * written in place and a crash may have cut it short); a bigger one was placed whole by a link.
   * A file that fails the check is removed.
   */
  async holds(f: FolderEntry): Promise<{ hashes?: string[] } | undefined> {
    // One walk of the tree instead of an lstat per file (a fresh tree is empty).
    this.present ??= await listTree(this.tree);
    if (!this.present.has(f.path)) return undefined;
    const p = this.pathOf(f.path);
    const st = await lstat(p).catch(() => undefined);
    if (!st) return undefined;
    let ok = st.isFile() && st.size === f.size;
    let hashes: string[] | undefined;
    if (ok && f.size <= f.chunkSize) {
      const data = await readFile(p);
      hashes = data.length === 0 ? [] : [createHash('sha256').update(data).digest('hex')];
      ok = computeFileId(data.length, f.chunkSize, hashes) === f.id;
    }
    if (!ok) {
      await rm(p, { recursive: true, force: true });
      return undefined;
    }
    return hashes ? { hashes } : {};
  }

  /** Writes a verified small file at its path (never over an existing one). */
  async write(rel: string, data: Uint8Array): Promise<void> {
    const p = this.pathOf(rel);
    await this.mkdirs(dirname(p));
    // A small file in one synchronous open/write/close: three thread-pool hand-offs per file cost more
    // than the write itself (measured: most of a 2,000-file folder's CPU); a big one is not written here.
    if (data.length <= SYNC_WRITE_MAX) writeFileSync(p, data, { flag: 'wx' });
    else await writeFile(p, data, { flag: 'wx' });
  }

  /** The folder that a file at `rel` goes into (made now). */
  async dirFor(rel: string): Promise<string> {
    const d = dirname(this.pathOf(rel));
    await this.mkdirs(d);
    return d;
  }

  private async mkdirs(d: string): Promise<void> {
    if (this.made.has(d)) return;
    await mkdir(d, { recursive: true });
    this.made.add(d);
  }

  /** Copies a file this peer already holds into the tree (a temp name, then a rename: never half a file). */
  async copyIn(rel: string, from: string): Promise<void> {
    const p = this.pathOf(rel);
    await this.mkdirs(dirname(p));
    const tmp = join(dirname(p), `.lanmesh-copy-${randomBytes(4).toString('hex')}`);
    try {
      await copyFile(from, tmp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
      await rename(tmp, p);
    } catch (e) {
      await rm(tmp, { force: true });
      throw new LanmeshError('IO', `cannot copy ${from} into the folder: ${describeError(e)}`, { cause: e });
    }
  }

  /**
   * Moves the finished tree into `downloadsDir` as `name`, or `name (n)` when that is taken: an empty
   * folder is made exclusively first and the tree renamed onto it, so nothing is ever replaced. Then
   * removes this partial. Returns the new folder's path.
   */
  async finish(downloadsDir: string, name: string, onPlace?: (dir: string) => void): Promise<string> {
    await mkdir(downloadsDir, { recursive: true });
    const target = await claimFolder(downloadsDir, name);
    onPlace?.(target);
    try {
      await rename(this.tree, target);
    } catch (e) {
      await rmdir(target).catch(() => undefined);
      throw new LanmeshError('IO', `cannot move the folder into ${target}: ${describeError(e)}`, { cause: e });
    }
    await fsyncDir(downloadsDir);
    await rm(this.dir, { recursive: true, force: true });
    return target;
  }
}

/** The id of a file of at most one chunk, from its bytes. */
export function smallFileId(data: Uint8Array, chunkSize: number): FileId {
  const hashes = data.length === 0 ? [] : [createHash('sha256').update(data).digest('hex')];
  return computeFileId(data.length, chunkSize, hashes);
}

/** Relative paths of the regular files under `root` ('/'-separated); empty when it does not exist. */
async function listTree(root: string): Promise<Set<string>> {
  const out = new Set<string>();
  async function walk(d: string, rel: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), r);
      else out.add(r);
    }
  }
  await walk(root, '');
  return out;
}

async function readState(dir: string): Promise<FolderState> {
  const raw = JSON.parse(await readFile(join(dir, STATE), 'utf8')) as Partial<FolderState>;
  if (typeof raw.id !== 'string' || !ID_RE.test(raw.id) || typeof raw.name !== 'string' || !Array.isArray(raw.files)) {
    throw new Error('state.json is not a folder download');
  }
  const files = raw.files.map((f) => {
    const ok = f && typeof f.path === 'string' && pathProblem(f.path) === undefined && typeof f.id === 'string' && FILE_ID_RE.test(f.id) &&
      Number.isSafeInteger(f.size) && f.size >= 0 && Number.isSafeInteger(f.chunkSize) && f.chunkSize > 0;
    if (!ok) throw new Error('state.json has a bad file entry');
    return { path: f.path, id: f.id as FileId, size: f.size, chunkSize: f.chunkSize };
  });
  return { id: raw.id, name: folderName(raw.name), files };
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  await fh.sync().catch(() => undefined);
  await fh.close();
}
