// Test data for the benchmark: random files, sha256 of every copy, and a private tmpfs to hold them.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sh } from './proc.mjs';

export const MiB = 1 << 20;

export async function writeRandom(path, bytes) {
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, 'wx');
  try {
    // Fresh random bytes per block: a repeated block would make the file compressible and dedupable.
    for (let left = bytes; left > 0; ) {
      const n = Math.min(left, 8 * MiB);
      await fh.write(randomBytes(n));
      left -= n;
    }
  } finally {
    await fh.close();
  }
}

export function sha256File(path) {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(path, { highWaterMark: 4 * MiB })
      .on('data', (b) => h.update(b))
      .on('error', rej)
      .on('end', () => res(h.digest('hex')));
  });
}

export class ShaMismatch extends Error {}

/** Fails loudly: a copy that differs from its source makes the whole run fail. */
export async function checkCopy(copy, expected, what) {
  const got = await sha256File(copy).catch((e) => `unreadable (${e.message})`);
  if (got !== expected) throw new ShaMismatch(`bench: SHA-256 MISMATCH for ${what}: ${copy} is ${got}, expected ${expected}`);
}

/** A tmpfs of our own under `parent` (test files never touch the disk); close() unmounts and removes it. */
export async function mountTmpfs(parent, sizeGiB) {
  const dir = await mkdtemp(join(parent, 'lanmesh-bench-tmpfs-'));
  await sh(['mount', '-t', 'tmpfs', '-o', `size=${sizeGiB}g,mode=0755`, 'lanmesh-bench', dir]);
  return {
    dir,
    async close() {
      await sh(['umount', dir]).catch(() => undefined);
      await rmdir(dir).catch(() => undefined);
    },
  };
}

export async function freshDir(path) {
  await rm(path, { recursive: true, force: true });
  await mkdir(path, { recursive: true });
  return path;
}

/**
 * Moves a finished copy into `root`/.aside (same file system: nothing is freed yet); dropAside()
 * frees them. Each variant drops them just before its timed part, so every variant writes into
 * memory freed a moment ago. On this VM memory left free for a few seconds goes back to the host
 * (virtio-balloon free page reporting) and costs 0.5–1.7 s per GiB to touch again: a variant that
 * starts peers after the delete (lanmesh) paid that, one that starts at once (curl) did not.
 */
export async function setAside(path, root) {
  const dir = join(root, '.aside');
  await mkdir(dir, { recursive: true });
  await rename(path, join(dir, `${Date.now()}-${Math.random().toString(36).slice(2)}`));
}

export async function dropAside(root) {
  await rm(join(root, '.aside'), { recursive: true, force: true });
}

/** A `bytes`-long file of zeros set aside at once: the first round then has memory to reuse, like every later one. */
export async function asideOfSize(root, bytes) {
  const path = join(root, `warm-${Date.now()}`);
  const fh = await open(path, 'wx');
  try {
    const zeros = Buffer.alloc(8 * MiB);
    for (let at = 0; at < bytes; at += zeros.length) await fh.write(zeros, 0, Math.min(zeros.length, bytes - at), at);
  } finally {
    await fh.close();
  }
  await setAside(path, root);
}
