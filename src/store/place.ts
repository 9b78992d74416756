// The one way a file becomes visible under a name (DESIGN: nothing ever overwrites an existing file):
// a hard link, which fails with EEXIST rather than replace, or, where links cannot be made (another
// device, a file system without them), a copy with COPYFILE_EXCL, which fails the same way. Never rename.
import { constants } from 'node:fs';
import { copyFile, link, mkdir, unlink } from 'node:fs/promises';
import { LanmeshError, describeError } from '../errors.js';
import { safeJoin, uniqueName } from './safe-path.js';

/** Link errors that mean "no hard link here", not "no such file" or "name taken": copy instead. */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/** Makes `target` show the content of `from` (which stays); false, with nothing changed, when `target` exists. */
export async function linkExclusive(from: string, target: string): Promise<boolean> {
  try {
    await link(from, target);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_LINK.has(code)) throw new LanmeshError('IO', `cannot place ${target}: ${describeError(e)}`, { cause: e });
  }
  try {
    await copyFile(from, target, constants.COPYFILE_EXCL);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    // A half-written copy under the name would be worse than none; it is ours (EXCL), so drop it.
    await unlink(target).catch(() => undefined);
    throw new LanmeshError('IO', `cannot copy to ${target}: ${describeError(e)}`, { cause: e });
  }
}

export interface PlaceOptions {
  /** Keep `from` afterwards (default: it is unlinked once the new name exists). */
  keep?: boolean;
  /** Told each name just before it is tried (so the store's watcher can expect the file there). */
  onPlace?: (target: string) => void;
}

/**
 * Puts `from` into `dir` as `name`, or the next free "name (n).ext" when that is taken (also when
 * another process takes it between the check and the link). Returns the path it now has.
 */
export async function placeExclusive(from: string, dir: string, name: string, opts: PlaceOptions = {}): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const target = safeJoin(dir, await uniqueName(dir, name));
    opts.onPlace?.(target);
    if (!(await linkExclusive(from, target))) continue;
    if (!opts.keep) await unlink(from).catch(() => undefined);
    return target;
  }
  throw new LanmeshError('IO', `no free name for ${name} in ${dir}`);
}

/**
 * Makes an empty folder `name` in `parent`, or `name (1)`, `name (2)`, … when taken (mkdir is exclusive),
 * and returns its path: a finished tree is then renamed or copied onto it, so nothing is ever replaced.
 */
export async function claimFolder(parent: string, name: string): Promise<string> {
  for (let n = 0; n < 10_000; n++) {
    const target = safeJoin(parent, n === 0 ? name : `${name} (${n})`);
    try {
      await mkdir(target);
      return target;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new LanmeshError('IO', `cannot make ${target}: ${describeError(e)}`, { cause: e });
    }
  }
  throw new LanmeshError('IO', `no free name for ${name} in ${parent}`);
}
