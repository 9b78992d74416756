// Path safety: joins that escape, names from the wire, and never-overwrite naming.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MAX_NAME_BYTES, safeJoin, sanitizeName, uniqueName } from '../../src/store/safe-path.js';
import { isLanmeshError } from '../../src/errors.js';
import { withTimeout } from '../support/with-timeout.js';
import { makeTmpDir } from '../support/tmp-dir.js';

const unsafe = (e: unknown) => isLanmeshError(e, 'UNSAFE_NAME');
const root = resolve('/srv/peer/downloads');

test('safeJoin keeps paths inside root', () => {
  assert.is(safeJoin(root, 'a.txt'), join(root, 'a.txt'));
  assert.is(safeJoin(root, 'sub', 'b c.txt'), join(root, 'sub', 'b c.txt'));
  assert.is(safeJoin(root, 'a/./b/../c'), join(root, 'a', 'c'));
  assert.is(safeJoin(root, '..x'), join(root, '..x'));
  assert.is(safeJoin(root), root);
});

test('safeJoin throws UNSAFE_NAME on escapes and NUL', () => {
  for (const parts of [['../x'], ['/etc/x'], ['a/../../b'], ['..'], ['sub', '../../x'], ['a\0b'], ['../downloads2/x']]) {
    assert.throws(() => safeJoin(root, ...parts), unsafe, JSON.stringify(parts));
  }
});

test('sanitizeName: basename only, no control chars, no leading dots', () => {
  const cases: [string, string][] = [
    ['../x', 'x'],
    ['/etc/x', 'x'],
    ['a/../../b', 'b'],
    ['..\\..\\windows\\evil.dll', 'evil.dll'],
    ['C:\\Users\\me\\notes.txt', 'notes.txt'],
    ['a\0b.txt', 'ab.txt'],
    ['line\nbreak\r\t.txt', 'linebreak.txt'],
    ['bell\u0007\u007f\u009b.txt', 'bell.txt'],
    ['fake\u202egnp.exe', 'fakegnp.exe'],
    ['.bashrc', 'bashrc'],
    ['.lanmesh-partial', 'lanmesh-partial'],
    ['dir/', 'dir'],
    ['  spaced  name .txt  ', 'spaced  name .txt'],
    ['Übung mit Leerzeichen – ä ö ü.pdf', 'Übung mit Leerzeichen – ä ö ü.pdf'],
    ['日本語 ファイル.txt', '日本語 ファイル.txt'],
    ['emoji 🎉 party.png', 'emoji 🎉 party.png'],
  ];
  for (const [input, want] of cases) assert.is(sanitizeName(input), want, JSON.stringify(input));
});

test('sanitizeName throws UNSAFE_NAME when nothing usable remains', () => {
  for (const input of ['', '.', '..', '...', '/', '\\', '../..', '\0', ' \t ', './', '\u0001\u0002']) {
    assert.throws(() => sanitizeName(input), unsafe, JSON.stringify(input));
  }
  assert.throws(() => sanitizeName(42 as unknown as string), unsafe);
});

test('sanitizeName caps the length in bytes, on a code point boundary, keeping the extension', () => {
  const long = sanitizeName(`${'é'.repeat(300)}.txt`);
  assert.ok(Buffer.byteLength(long) <= MAX_NAME_BYTES, String(Buffer.byteLength(long)));
  assert.ok(long.endsWith('.txt'));
  assert.not.ok(long.includes('\uFFFD'));
  assert.ok(Buffer.byteLength(sanitizeName('🎉'.repeat(100))) <= MAX_NAME_BYTES);
  assert.is(sanitizeName('x'.repeat(MAX_NAME_BYTES)), 'x'.repeat(MAX_NAME_BYTES));
});

test(
  'uniqueName: name, then "name (1).ext", "name (2).ext"… never an existing one',
  withTimeout(5000, async () => {
    const tmp = await makeTmpDir();
    try {
      const d = tmp.path;
      assert.is(await uniqueName(d, 'song.mp3'), 'song.mp3');
      await writeFile(join(d, 'song.mp3'), 'a');
      assert.is(await uniqueName(d, 'song.mp3'), 'song (1).mp3');
      await writeFile(join(d, 'song (1).mp3'), 'b');
      await mkdir(join(d, 'song (2).mp3'));
      assert.is(await uniqueName(d, 'song.mp3'), 'song (3).mp3');
      await writeFile(join(d, 'README'), 'c');
      assert.is(await uniqueName(d, 'README'), 'README (1)');
      await writeFile(join(d, 'a.tar.gz'), 'd');
      assert.is(await uniqueName(d, 'a.tar.gz'), 'a.tar (1).gz');
      assert.is(await uniqueName(d, 'new file.txt'), 'new file.txt');
      const err = await uniqueName(d, '../escape.txt').then(() => undefined, (e: unknown) => e);
      assert.ok(unsafe(err), String(err));
    } finally {
      await tmp.remove();
    }
  }),
);

test.run();
