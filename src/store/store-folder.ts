// A peer folder made ready for its store: it must exist and be readable and writable; shared/,
// downloads/ and .lanmesh/ are created; the folder lock is taken (one running peer per folder).
import { constants } from 'node:fs';
import { access, mkdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LanmeshError, describeError } from '../errors.js';
import { META_DIR, OFFERED_FOLDERS } from './scan.js';
import { acquireFolderLock, type FolderLock } from './folder-lock.js';

export interface ReadyFolder {
  dir: string;
  realDir: string;
  lock: FolderLock;
}

/** FOLDER_UNUSABLE, with the folder's path and why, when it cannot be used. */
export async function prepareFolder(folder: string): Promise<ReadyFolder> {
  const dir = resolve(folder);
  const unusable = (why: string, cause?: unknown) => new LanmeshError('FOLDER_UNUSABLE', `cannot use folder ${dir}: ${why}`, { cause });
  const st = await stat(dir).catch((e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code;
    throw unusable(code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : describeError(e), e);
  });
  if (!st.isDirectory()) throw unusable('not a folder');
  await access(dir, constants.R_OK | constants.W_OK | constants.X_OK).catch((e: unknown) => {
    throw unusable('not readable and writable', e);
  });
  for (const sub of [...OFFERED_FOLDERS, META_DIR]) {
    const p = join(dir, sub);
    try {
      await mkdir(p, { recursive: true });
      if (!(await stat(p)).isDirectory()) throw new Error(`${p} is not a folder`);
    } catch (e) {
      throw unusable(describeError(e), e);
    }
  }
  const lock = await acquireFolderLock(dir, join(dir, META_DIR));
  return { dir, realDir: await realpath(dir), lock };
}
