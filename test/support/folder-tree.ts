// Trees of files for the folder tests: many small files and a few big ones in nested folders whose
// names have spaces and non-ASCII letters, and a sorted list of (relative path, SHA-256) to compare trees.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { writeRandomFile } from './download-mesh.js';

export const DIRS = ['src', 'src/lib', 'docs/Übersicht', 'docs/notes and drafts', 'assets/ímages/große Bilder', 'data'];

export interface TreeSpec {
  small: number;
  /** Bytes of each small file at most (sizes vary 1 … this). */
  smallMax: number;
  big: number[];
}

/** Writes the tree under `root` (files of random bytes; `seed` files are the same bytes in every tree that uses them). */
export async function writeTree(root: string, spec: TreeSpec): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < spec.small; i++) {
    const dir = DIRS[i % DIRS.length]!;
    const p = `${dir}/file ${i} ñ.txt`;
    const size = 1 + ((i * 7919) % spec.smallMax);
    await mkdir(join(root, dirname(p)), { recursive: true });
    await writeFile(join(root, p), randomBytes(size), { flag: 'wx' });
    paths.push(p);
  }
  for (const [i, size] of spec.big.entries()) {
    const p = `${DIRS[(i * 2 + 1) % DIRS.length]}/big ${i}.bin`;
    await mkdir(join(root, dirname(p)), { recursive: true });
    await writeRandomFile(join(root, p), size);
    paths.push(p);
  }
  return paths;
}

/** Every file under `root`, as sorted "relative/path sha256" lines. */
export async function treeDigest(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(`${relative(root, p).split(sep).join('/')} ${createHash('sha256').update(await readFile(p)).digest('hex')}`);
    }
  }
  await walk(root);
  return out.sort();
}
