// placeExclusive / linkExclusive: a file becomes visible under a free name and never replaces one,
// on the same file system (link) and across devices (COPYFILE_EXCL copy); remote names are saved
// from the raw name, not from its display form.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { linkExclusive, placeExclusive } from '../../src/store/place.js';
import { savedName } from '../../src/transfer/resolve.js';
import type { MeshFile } from '../../src/catalog/catalog.js';
import { printable } from '../../src/text.js';
import { asFileId } from '../../src/types.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

test('placeExclusive: a taken name is left alone and the next free one is used; the source goes', withTimeout(5000, async () => {
  const tmp = await makeTmpDir();
  try {
    await writeFile(join(tmp.path, 'a.txt'), 'old');
    await writeFile(join(tmp.path, 'a (1).txt'), 'old 1');
    const from = join(tmp.path, 'incoming.part');
    await writeFile(from, 'new');
    const placed = await placeExclusive(from, tmp.path, 'a.txt');
    assert.is(placed, join(tmp.path, 'a (2).txt'));
    assert.is(await readFile(join(tmp.path, 'a.txt'), 'utf8'), 'old');
    assert.is(await readFile(join(tmp.path, 'a (1).txt'), 'utf8'), 'old 1');
    assert.is(await readFile(placed, 'utf8'), 'new');
    assert.equal((await readdir(tmp.path)).sort(), ['a (1).txt', 'a (2).txt', 'a.txt']);

    const kept = join(tmp.path, 'kept.part');
    await writeFile(kept, 'k');
    await placeExclusive(kept, tmp.path, 'k.txt', { keep: true });
    assert.is(await readFile(kept, 'utf8'), 'k');
    assert.is(await linkExclusive(kept, join(tmp.path, 'a.txt')), false);
    assert.is(await readFile(join(tmp.path, 'a.txt'), 'utf8'), 'old');
  } finally {
    await tmp.remove();
  }
}));

test('placeExclusive across devices copies with COPYFILE_EXCL and still never replaces', withTimeout(5000, async () => {
  const tmp = await makeTmpDir();
  const other = await mkdtemp('/dev/shm/lanmesh-place-').catch(() => undefined);
  try {
    if (!other || (await stat(other)).dev === (await stat(tmp.path)).dev) {
      console.log('SKIP cross-device placement: /dev/shm is missing or on the same device');
      return;
    }
    await writeFile(join(tmp.path, 'b.txt'), 'old');
    const from = join(other, 'b.part');
    await writeFile(from, 'new');
    assert.is(await linkExclusive(from, join(tmp.path, 'b.txt')), false);
    assert.is(await readFile(join(tmp.path, 'b.txt'), 'utf8'), 'old');
    const placed = await placeExclusive(from, tmp.path, 'b.txt');
    assert.is(placed, join(tmp.path, 'b (1).txt'));
    assert.is(await readFile(placed, 'utf8'), 'new');
    assert.is(await readFile(join(tmp.path, 'b.txt'), 'utf8'), 'old');
    assert.equal(await readdir(other), [], 'the source is gone after a move');
  } finally {
    if (other) await rm(other, { recursive: true, force: true });
    await tmp.remove();
  }
}));

test('a remote name with ESC is saved without it, not with U+FFFD (sanitize from the raw name)', () => {
  const raw = 'report\u001b[2J.txt';
  const file = { id: asFileId('c'.repeat(64)), size: 1, chunkSize: 1, names: [printable(raw)], holders: [], conflicting: [], local: false } as MeshFile;
  assert.is(savedName(file, printable(raw), raw), 'report[2J.txt');
  assert.is(savedName(file, printable(raw), 'other.txt'), printable(raw), 'another holder\'s name: the chosen display name stays');
  assert.is(savedName({ ...file, names: ['plain.txt'] }, 'plain.txt', 'plain.txt'), 'plain.txt');
});

test.run();
