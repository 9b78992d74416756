// `share <folder>`: copies a folder from anywhere into shared/<name>/ (a free name: `name (1)` when
// taken) and indexes every file at once, so the folder is offered without waiting for the watcher.
// The copy is made under a ".lanmesh-" name the scanner ignores, then renamed onto a folder made
// exclusively for it: the folder appears whole, and nothing is ever replaced.
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, realpath, rename, rm, rmdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, join, relative, sep } from 'node:path';
import type { LocalStore } from '../store/local-store.js';
import { isInside, sanitizeName } from '../store/safe-path.js';
import { claimFolder } from '../store/place.js';
import { LanmeshError, describeError } from '../errors.js';

export interface SharedFolder {
  /** Relative to the peer folder ("shared/proj"). */
  relPath: string;
  files: number;
  size: number;
  /** False when the folder was in shared/ or downloads/ already (only indexed). */
  copied: boolean;
}

const MAX_FILES = 200_000;

export async function shareFolder(store: LocalStore, src: string): Promise<SharedFolder> {
  const shared = join(store.dir, 'shared');
  const real = await realpath(src);
  const inside = [await realpath(shared), await realpath(join(store.dir, 'downloads'))].find((d) => isInside(d, real));
  if (inside) {
    if (real === inside) throw new LanmeshError('BAD_COMMAND', `${src} is the whole offered folder; share a folder inside it or outside`);
    const files = await listFiles(real);
    let size = 0;
    for (const f of files) size += (await store.addFile(f)).manifest.size;
    return { relPath: relative(store.dir, real).split(sep).join('/'), files: files.length, size, copied: false };
  }
  const name = sanitizeName(basename(real));
  const tmp = join(shared, `.lanmesh-share-${randomBytes(6).toString('hex')}`);
  try {
    const files = await listFiles(real);
    for (const f of files) {
      const to = join(tmp, relative(real, f));
      await mkdir(join(to, '..'), { recursive: true });
      await copyFile(f, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    }
    await mkdir(tmp, { recursive: true });
    const target = await moveIn(tmp, shared, name);
    let size = 0;
    for (const f of files) size += (await store.addFile(join(target, relative(real, f)))).manifest.size;
    return { relPath: relative(store.dir, target).split(sep).join('/'), files: files.length, size, copied: true };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Regular files under `dir` (links and special files skipped), bounded. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name === '.lanmesh' || e.name.startsWith('.lanmesh-')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
      if (out.length > MAX_FILES) throw new LanmeshError('BAD_COMMAND', `${dir} holds more than ${MAX_FILES} files`);
    }
  }
  await walk(dir);
  return out;
}

async function moveIn(tmp: string, parent: string, name: string): Promise<string> {
  const target = await claimFolder(parent, name);
  try {
    await rename(tmp, target);
  } catch (e) {
    await rmdir(target).catch(() => undefined);
    throw new LanmeshError('IO', `cannot move the copy to ${target}: ${describeError(e)}`, { cause: e });
  }
  return target;
}

/** True when `path` is a folder (what `share` then shares as one). */
export async function isFolder(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isDirectory() === true || (await realpath(path).then((r) => lstat(r)).catch(() => undefined))?.isDirectory() === true;
}
