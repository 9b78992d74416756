// The sample folders (peer1/, peer2/, peer3/) copied into a test's tmp dir, so runs never write
// into the repository; plus the list of names each one offers.
import { cp, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Copies peerN/shared into `dest/shared` and returns `dest`. */
export async function copySample(n: 1 | 2 | 3, dest: string): Promise<string> {
  await cp(join(REPO, `peer${n}`, 'shared'), join(dest, 'shared'), { recursive: true });
  return dest;
}

/** Base names of every file in peerN/shared (subfolders too). */
export async function sampleNames(n: 1 | 2 | 3): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else if (e.isFile()) out.push(e.name);
    }
  };
  await walk(join(REPO, `peer${n}`, 'shared'));
  return out;
}
