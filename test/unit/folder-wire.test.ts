// Folders on the wire (docs/PROTOCOL.md "Paths" and "Folders"): the path check, a catalog entry's
// path, files.get, the folder id, and the mesh's folders built from what each peer lists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isSafeRelPath, pathProblem } from '../../src/wire/paths.js';
import { collectionId } from '../../src/wire/collection.js';
import { buildFolders, findFolders } from '../../src/catalog/folders.js';
import { offeredPath } from '../../src/transfer/seed-source.js';
import { asFileId, asPeerId, type CatalogEntry } from '../../src/types.js';
import { parseValue, refuses } from '../support/message-asserts.js';

const ID = (c: string) => asFileId(c.repeat(64));
const TOKEN = 'ab'.repeat(16);
const entry = (path: string | undefined, name: string, id = ID('a')): Record<string, unknown> => ({
  id, name, size: 5, chunkSize: 1048576, ...(path !== undefined && { path }),
});
const catalog = (files: unknown[]) => ({ t: 'catalog', rid: 1, peer: '0123456789abcdef', rev: 1, files });

test('relative paths: forward slashes, bounded, nothing that could leave the folder', () => {
  for (const ok of ['a/b.txt', 'proj ü/Übersicht/notes and drafts.md', 'x', '.hidden/a', 'a/.b', 'a..b/c', `${'d/'.repeat(31)}f`]) {
    assert.ok(isSafeRelPath(ok), ok);
  }
  const bad: Array<[string, RegExp]> = [
    ['../x', /"\.\."/], ['a/../../b', /"\.\."/], ['/etc/x', /absolute/], ['a//b', /empty segment/], ['a/', /empty segment/],
    ['./a', /"\."/], ['', /empty/], ['a\\..\\b', /backslash/], ['a/\u0000b', /control/], ['a/\u202eexe.txt', /bidi/],
    ['a/\nb', /control/], [`${'d/'.repeat(300)}deep`, /deeper than 32/], [`${'x'.repeat(256)}/a`, /longer than 255 bytes/],
    ['x'.repeat(1025), /longer than 1024/],
  ];
  for (const [p, why] of bad) assert.match(pathProblem(p) ?? 'accepted', why, JSON.stringify(p.slice(0, 40)));
});

test('a catalog entry may carry a path; a bad one, or one not ending in the name, refuses the message', () => {
  const m = parseValue(catalog([entry('docs/a b/readme.txt', 'readme.txt'), entry(undefined, 'top.txt', ID('b'))]));
  assert.equal(m.t === 'catalog' && m.files.map((f) => f.path), ['docs/a b/readme.txt', undefined]);
  for (const p of ['../x', 'a/../../b', '/etc/x', 'a//b', `${'d/'.repeat(300)}x`, 'docs/\u001b[2Jx']) {
    refuses(catalog([entry(p, p.slice(p.lastIndexOf('/') + 1) || 'x')]), `path ${JSON.stringify(p.slice(0, 30))}`);
  }
  refuses(catalog([entry('docs/other.txt', 'readme.txt')]), 'path not ending in the name');
  refuses(catalog([entry('', 'readme.txt')]), 'empty path');
  refuses(catalog([{ ...entry(undefined, 'a'), path: 7 }]), 'path not a string');
});

test('files.get: 1 … 512 distinct file ids, a token and a port', () => {
  const ok = { t: 'files.get', rid: 3, ids: [ID('a'), ID('b')], token: TOKEN, port: 9001 };
  assert.equal(parseValue(ok), ok);
  refuses({ ...ok, ids: [] }, 'no ids');
  refuses({ ...ok, ids: [ID('a'), ID('a')] }, 'duplicate ids');
  refuses({ ...ok, ids: ['A'.repeat(64)] }, 'upper-case id');
  refuses({ ...ok, ids: Array.from({ length: 513 }, (_, i) => i.toString(16).padStart(64, '0')) }, '513 ids');
  refuses({ ...ok, token: 'zz' }, 'bad token');
  refuses({ ...ok, port: 0 }, 'port 0');
  refuses({ ...ok, rid: undefined }, 'no rid');
});

test('a folder id is the hash of its canonical list: order-free, name-free, sensitive to each path, size and id', () => {
  const items = [{ path: 'b.txt', size: 1, id: ID('a') }, { path: 'a/ü.txt', size: 2, id: ID('b') }];
  const id = collectionId(items);
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.is(collectionId([...items].reverse()), id);
  assert.is.not(collectionId([{ ...items[0]!, path: 'c.txt' }, items[1]!]), id);
  assert.is.not(collectionId([{ ...items[0]!, size: 9 }, items[1]!]), id);
  assert.is.not(collectionId([{ ...items[0]!, id: ID('c') }, items[1]!]), id);
  // Pinned: another implementation must get the same id for the same list.
  assert.is(id, '3d5277aa70db02b6657bc4214023193029cc0ed3113bf38efb7005be764b494c');
});

test('folders: each top-level folder of a peer, holders of the same tree together whatever its name', () => {
  const tree = (top: string): CatalogEntry[] => [
    { id: ID('a'), name: 'x.txt', size: 5, chunkSize: 1048576, path: `${top}/x.txt` },
    { id: ID('b'), name: 'y.txt', size: 7, chunkSize: 1048576, path: `${top}/sub/y.txt` },
    { id: ID('c'), name: 'top.txt', size: 1, chunkSize: 1048576 },
  ];
  const partial: CatalogEntry = { id: ID('d'), name: 'p.bin', size: 9, chunkSize: 1048576, path: 'docs/p.bin', have: 'AA==' };
  const folders = buildFolders([
    { peer: asPeerId('1'.repeat(16)), peerName: 'p1', local: false, entries: tree('docs') },
    { peer: asPeerId('2'.repeat(16)), peerName: 'p2', local: false, entries: [...tree('docs (1)'), partial] },
    { peer: asPeerId('3'.repeat(16)), peerName: 'p3', local: true, entries: tree('docs').slice(0, 1) },
  ]);
  assert.is(folders.length, 2);
  const [full, one] = folders.sort((a, b) => b.files.length - a.files.length) as [typeof folders[0], typeof folders[0]];
  assert.equal(full.files.map((f) => f.path), ['sub/y.txt', 'x.txt']);
  assert.is(full.size, 12);
  assert.equal(full.holders.map((h) => h.peerName), ['p1', 'p2']);
  assert.ok(full.names.includes('docs') && full.names.includes('docs (1)'));
  assert.is(full.local, false);
  assert.is(one.local, true);
  assert.is(findFolders(folders, 'docs (1)/')[0], full);
  assert.is(findFolders(folders, full.id.slice(0, 8))[0], full);
  assert.equal(findFolders(folders, 'nothing'), []);
});

test('what a peer offers: files in a folder with their path, files at the top and unsafe paths without', () => {
  assert.is(offeredPath('shared/a.txt'), undefined);
  assert.is(offeredPath('shared/docs/a.txt'), 'docs/a.txt');
  assert.is(offeredPath('downloads/proj ü/x/y.md'), 'proj ü/x/y.md');
  assert.is(offeredPath(`shared/${'d/'.repeat(40)}f`), undefined);
  assert.is(offeredPath('shared/a/b\u0007c'), undefined);
});

test.run();
