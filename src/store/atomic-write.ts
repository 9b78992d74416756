// Small files written so a reader sees the old or the new content, never half of either:
// write a temp file next to the target, fsync, then rename (state files in .lanmesh/ only) or
// linkExclusive (a file that must never replace one).
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { linkExclusive } from './place.js';
import { basename, dirname, join } from 'node:path';

/** Temp names start with ".lanmesh-", which the scanner ignores. */
function tempPath(target: string): string {
  return join(dirname(target), `.lanmesh-${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

async function writeTemp(target: string, data: string | Uint8Array): Promise<string> {
  const tmp = tempPath(target);
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  return tmp;
}

/** Replaces `target` atomically with `data`. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const tmp = await writeTemp(target, data);
  try {
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/** Creates `target` atomically with `data`; false (and nothing written) when it already exists. */
export async function createFileAtomic(target: string, data: string | Uint8Array): Promise<boolean> {
  const tmp = await writeTemp(target, data);
  try {
    return await linkExclusive(tmp, target);
  } finally {
    await unlink(tmp).catch(() => {});
  }
}
