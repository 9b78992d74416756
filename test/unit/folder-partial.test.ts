// The partial tree of a folder download (src/store/folder-partial.ts), on real files: hostile paths
// refused, files proven before they count, the finished tree moved in without replacing anything.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FolderPartial, folderName, smallFileId } from '../../src/store/folder-partial.js';
import { isLanmeshError } from '../../src/errors.js';
import { makeTmpDir } from '../support/tmp-dir.js';

const CS = 1024 * 1024;
const FID = 'f'.repeat(64);

test('hostile paths and names are refused before anything is made', async () => {
  const tmp = await makeTmpDir();
  try {
    for (const path of ['../x', 'a/../../b', '/etc/x', 'a//b', `${'d/'.repeat(300)}x`]) {
      const state = { id: FID, name: 'evil', files: [{ path, id: smallFileId(Buffer.from('x'), CS), size: 1, chunkSize: CS }] };
      await FolderPartial.open(tmp.path, state).then(
        () => assert.unreachable(`accepted ${path.slice(0, 20)}`),
        (e: unknown) => assert.ok(isLanmeshError(e, 'UNSAFE_NAME'), String(e)),
      );
    }
    for (const name of ['..', '../up', 'a/b', '', '\u001b[2J']) {
      assert.throws(() => folderName(name), (e: unknown) => isLanmeshError(e, 'UNSAFE_NAME'), JSON.stringify(name));
    }
    assert.is(folderName('.hidden'), 'hidden');
    assert.equal(await readdir(tmp.path), []);
  } finally {
    await tmp.remove();
  }
});

test('a file in the tree counts only when it proves to be its id; the finished tree becomes `name (1)` beside a taken name', async () => {
  const tmp = await makeTmpDir();
  try {
    const good = Buffer.from('good bytes');
    const files = [
      { path: 'a/ü b.txt', id: smallFileId(good, CS), size: good.length, chunkSize: CS },
      { path: 'c.txt', id: smallFileId(Buffer.from('other'), CS), size: 5, chunkSize: CS },
    ];
    const fp = await FolderPartial.open(tmp.path, { id: FID, name: 'kit', files });
    await fp.write('a/ü b.txt', good);
    await writeFile(fp.pathOf('c.txt'), 'OTHER');
    assert.ok(await fp.holds(files[0]!));
    assert.is(await fp.holds(files[1]!), undefined, 'same size, wrong bytes');
    assert.equal(await readdir(fp.tree), ['a'], 'the bad file was removed');
    // A restart finds the same download.
    const listed = await FolderPartial.list(tmp.path, () => undefined);
    assert.equal(listed.map((s) => [s.name, s.files.length]), [['kit', 2]]);
    const downloads = join(tmp.path, 'downloads');
    await mkdir(join(downloads, 'kit'), { recursive: true });
    await writeFile(join(downloads, 'kit', 'mine.txt'), 'keep me');
    const at = await fp.finish(downloads, 'kit');
    assert.is(at, join(downloads, 'kit (1)'));
    assert.is(await readFile(join(downloads, 'kit', 'mine.txt'), 'utf8'), 'keep me');
    assert.is(await readFile(join(at, 'a', 'ü b.txt'), 'utf8'), 'good bytes');
    assert.equal(await FolderPartial.list(tmp.path, () => undefined), [], 'the partial is gone');
  } finally {
    await tmp.remove();
  }
});

test.run();
