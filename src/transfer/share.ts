// `share <path>`: copies a file from anywhere into shared/ under a free name (temp file, fsync, then
// a link that never replaces anything) and indexes it at once, so it is offered without waiting for the watcher.
import { constants } from 'node:fs';
import { copyFile, open, realpath, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import type { LocalFile, LocalStore } from '../store/local-store.js';
import { isInside, sanitizeName } from '../store/safe-path.js';
import { placeExclusive } from '../store/place.js';
import { LanmeshError, describeError } from '../errors.js';

export async function shareFile(store: LocalStore, source: string, cwd = process.cwd()): Promise<{ file: LocalFile; copied: boolean }> {
  const src = resolve(cwd, source);
  const st = await stat(src).catch((e: unknown) => {
    throw new LanmeshError('NOT_FOUND', `cannot share ${src}: ${describeError(e)}`, { cause: e });
  });
  if (!st.isFile()) throw new LanmeshError('BAD_COMMAND', `cannot share ${src}: not a regular file`);
  const shared = join(store.dir, 'shared');
  const real = await realpath(src);
  if (isInside(await realpath(shared), real) || isInside(await realpath(join(store.dir, 'downloads')), real)) {
    return { file: await store.addFile(src), copied: false };
  }
  const name = sanitizeName(basename(src));
  const tmp = join(shared, `.lanmesh-share-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await copyFile(src, tmp, constants.COPYFILE_EXCL);
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    const target = await placeExclusive(tmp, shared, name);
    return { file: await store.addFile(target), copied: true };
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}
