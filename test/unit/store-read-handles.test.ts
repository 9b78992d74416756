// A seeder keeps a served file open between chunk reads: one open file for a stream of reads, the
// new bytes once a file is replaced under its name, and nothing left open after close().
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStore } from '../../src/store/local-store.js';
import { withTimeout } from '../support/with-timeout.js';
import { makeTmpDir } from '../support/tmp-dir.js';

const CS = 65536;

/** Descriptors of this process open on `path`. */
function fdsOn(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {}
  }
  return n;
}

test('chunk reads share one open handle; a replaced file is read anew; close() releases it', withTimeout(10000, async () => {
  const tmp = await makeTmpDir();
  const store = await LocalStore.open({ dir: tmp.path, chunkSize: CS, pollMs: 0 });
  try {
    await store.start();
    const path = join(tmp.path, 'shared', 'a.bin');
    const first = randomBytes(8 * CS);
    await writeFile(path, first);
    const f = await store.addFile(path);
    const reads = await Promise.all(Array.from({ length: 8 }, (_, i) => store.readChunk(f.manifest.id, i)));
    assert.equal(Buffer.concat(reads), first);
    assert.is(fdsOn(path), 1, 'one descriptor kept for the stream of reads');
    for (let i = 0; i < 8; i++) await store.readChunk(f.manifest.id, i);
    assert.is(fdsOn(path), 1, 'and reused, not reopened per chunk');

    // Replaced under the same name (a new inode): once indexed, its new bytes are served.
    const second = randomBytes(8 * CS);
    await writeFile(join(tmp.path, 'shared', '.lanmesh-new.tmp'), second);
    await rename(join(tmp.path, 'shared', '.lanmesh-new.tmp'), path);
    const g = await store.addFile(path);
    assert.equal(await store.readChunk(g.manifest.id, 5), second.subarray(5 * CS, 6 * CS));
  } finally {
    await store.close();
  }
  try {
    assert.is(fdsOn(join(tmp.path, 'shared', 'a.bin')), 0, 'nothing left open after close()');
  } finally {
    await tmp.remove();
  }
}));

test.run();
