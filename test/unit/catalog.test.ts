import { test } from 'uvu';
import * as assert from 'uvu/assert';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Catalog, DEFAULT_REMOTE_BUDGET_BYTES } from '../../src/catalog/catalog.js';
import { asFileId, asPeerId, type CatalogEntry } from '../../src/types.js';

const me = asPeerId('aaaaaaaaaaaaaaaa');
const p2 = asPeerId('bbbbbbbbbbbbbbbb');
const p3 = asPeerId('cccccccccccccccc');
const idA = asFileId('a'.repeat(64));
const idB = asFileId('b'.repeat(64));
v8.setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
const entry = (id: typeof idA, name: string, size = 10, have?: string): CatalogEntry => ({ id, name, size, chunkSize: 1048576, have });

test('same bytes under different names on different peers are one file with every holder', () => {
  const c = new Catalog({ id: me, name: 'peer1' });
  c.setLocal([entry(idA, 'notes.txt')]);
  c.setRemote(p2, 'peer2', [entry(idA, 'meeting-notes.txt'), entry(idB, 'big.bin', 3000)]);
  c.setRemote(p3, 'peer3', [entry(idA, 'notes.txt')]);
  const files = c.files();
  assert.is(files.length, 2);
  const a = files.find((f) => f.id === idA)!;
  assert.equal(a.names, ['notes.txt', 'meeting-notes.txt']);
  assert.equal(a.holders.map((h) => h.peerName), ['peer1', 'peer2', 'peer3']);
  assert.ok(a.local);
  const b = files.find((f) => f.id === idB)!;
  assert.not.ok(b.local);
  assert.equal(b.holders.map((h) => h.peer), [p2]);
});

test('one peer holding the same bytes twice counts once as a holder', () => {
  const c = new Catalog({ id: me, name: 'peer1' });
  c.setRemote(p2, 'peer2', [entry(idA, 'x.txt'), entry(idA, 'y.txt')]);
  const [f] = c.files();
  assert.is(f!.holders.length, 1);
  assert.equal(f!.names.sort(), ['x.txt', 'y.txt']);
});

test('a partial holder is listed but does not make the file local', () => {
  const c = new Catalog({ id: me, name: 'peer1' });
  c.setLocal([entry(idA, 'a.bin', 10, 'gA==')]);
  const [f] = c.files();
  assert.not.ok(f!.local);
  assert.is(f!.holders[0]!.have, 'gA==');
});

test('removePeer drops its holdings and files only it had', () => {
  const c = new Catalog({ id: me, name: 'peer1' });
  let changes = 0;
  c.on('change', () => changes++);
  c.setRemote(p2, 'peer2', [entry(idA, 'a'), entry(idB, 'b')]);
  c.setRemote(p3, 'peer3', [entry(idA, 'a')]);
  c.removePeer(p2);
  c.removePeer(p2);
  assert.equal(c.files().map((f) => f.id), [idA]);
  assert.is(changes, 3);
  assert.is(c.fileCount(p2), undefined);
  assert.is(c.fileCount(p3), 1);
});

test('find: exact name first, then a unique id prefix; ambiguous names return every match', () => {
  const c = new Catalog({ id: me, name: 'peer1' });
  c.setRemote(p2, 'peer2', [entry(idA, 'same.txt'), entry(idB, 'same.txt')]);
  assert.is(c.find('same.txt').length, 2);
  assert.equal(c.find('aaaa').map((f) => f.id), [idA]);
  assert.equal(c.find('aaa'), []);
  assert.equal(c.find('nothing'), []);
});

test('names from the network cannot break a line or drive the terminal', () => {
  const c = new Catalog({ id: me, name: 'peer1' });
  c.setRemote(p2, 'peer\u001b[2J2', [entry(idA, 'evil\n\nfake line\u001b[31mred\u202egnp.exe')]);
  const [f] = c.files();
  assert.is(f!.names[0], 'evil\uFFFD\uFFFDfake line\uFFFD[31mred\uFFFDgnp.exe');
  assert.is(f!.holders[0]!.peerName, 'peer\uFFFD[2J2');
});

test('one id, two shapes: the majority (or this peer, or a verified manifest) decides; the others are conflicting', () => {
  const c = new Catalog({ id: me, name: 'peer1' });
  const liar: CatalogEntry = { id: idA, name: 'f.bin', size: 9, chunkSize: 1, have: 'gA==' };
  c.setRemote(p2, 'liar', [liar]);
  c.setRemote(p3, 'honest', [entry(idA, 'f.bin', 20)]);
  let [f] = c.files();
  assert.is(f!.size, 9, 'a tie goes to the first heard');
  assert.equal(f!.holders.map((h) => h.peerName), ['liar']);
  assert.equal(f!.conflicting.map((h) => h.peerName), ['honest']);
  c.confirm(idA, { size: 20, chunkSize: 1048576 });
  [f] = c.files();
  assert.equal([f!.size, f!.chunkSize], [20, 1048576]);
  assert.equal(f!.holders.map((h) => h.peerName), ['honest']);
  assert.equal(f!.conflicting.map((h) => h.peerName), ['liar']);
  const own = new Catalog({ id: me, name: 'peer1' });
  own.setRemote(p2, 'liar', [liar]);
  own.setRemote(p3, 'liar2', [liar]);
  own.setLocal([entry(idA, 'f.bin', 20)]);
  [f] = own.files();
  assert.is(f!.size, 20, 'this peer hashed the bytes itself');
  assert.ok(f!.local);
  assert.equal(f!.holders.map((h) => h.peerName), ['peer1']);
});

test('a file whose only holder is conflicting still lists, by its conflicting name, without breaking files()', () => {
  // Issue 15 item 1: a holder lists size 1 but the verified manifest says 20; it was the only holder.
  const c = new Catalog({ id: me, name: 'peer1' });
  c.setRemote(p2, 'liar', [entry(idA, 'zzz.bin', 1), entry(idB, 'aaa.bin')]);
  c.confirm(idA, { size: 20, chunkSize: 1048576 });
  const files = c.files();
  assert.equal(files.map((f) => f.names[0]), ['aaa.bin', 'zzz.bin']);
  const a = c.file(idA)!;
  assert.equal([a.size, a.holders.length, a.conflicting.map((h) => h.peerName)], [20, 0, ['liar']]);
  assert.equal(c.find('zzz.bin').map((f) => f.id), [idA]);
});

test('the view is cached and indexed by id: a change rebuilds only the files it touched', () => {
  const c = new Catalog({ id: me, name: 'peer1' });
  c.setRemote(p2, 'peer2', [entry(idA, 'a'), entry(idB, 'b')]);
  const a1 = c.file(idA);
  const b1 = c.file(idB);
  assert.ok(a1 && b1);
  assert.is(c.files()[0], a1, 'files() and file() share one cached view');
  c.setRemote(p3, 'peer3', [entry(idB, 'b')]);
  assert.is(c.file(idA), a1, 'a file nobody changed is not rebuilt');
  assert.is.not(c.file(idB), b1);
  assert.equal(c.file(idB)!.holders.map((h) => h.peerName), ['peer2', 'peer3']);
  c.setRemote(p3, 'peer3', [entry(idB, 'b')]);
  assert.is(c.file(idB), c.file(idB), 'an identical re-fetch changes nothing');
  c.removePeer(p2);
  assert.is(c.file(idA), undefined);
  assert.equal(c.files().map((f) => f.id), [idB]);
});

test('200 holders of the same 3,000 ids: list, and the lookups of a download after each change, stay in seconds', () => {
  // Issue 15 item 5: this took 16-20 s per files() call (a findIndex per entry, a vote per holder), so
  // a liveness bound with a wide margin for a shared CPU: quadratic work cannot meet it.
  const ids = Array.from({ length: 3000 }, (_, i) => asFileId(i.toString(16).padStart(64, '0')));
  const c = new Catalog({ id: me, name: 'peer1' }, { remoteBudgetBytes: Infinity });
  for (let p = 0; p < 200; p++) {
    c.setRemote(asPeerId(p.toString(16).padStart(16, '0')), `fake${p}`, ids.map((id, i) => entry(id, `f${i}.bin`)));
  }
  let t = Date.now();
  assert.is(c.files().length, 3000);
  assert.ok(Date.now() - t < 5000, `files() took ${Date.now() - t} ms`);
  t = Date.now();
  for (let round = 0; round < 20; round++) {
    c.setRemote(asPeerId('0'.repeat(16)), 'fake0', ids.map((id, i) => entry(id, `f${i}.bin`, 10, round % 2 ? 'gA==' : undefined)));
    assert.is(c.file(ids[round]!)!.holders.length, 200);
  }
  assert.ok(Date.now() - t < 3000, `20 changes took ${Date.now() - t} ms`);
});

test('remote catalogs have a memory budget: the largest is dropped first, with a warning', () => {
  const warnings: string[] = [];
  const budget = 12 * 1024 * 1024;
  const c = new Catalog({ id: me, name: 'peer1' }, { remoteBudgetBytes: budget });
  c.on('warning', (m) => warnings.push(m));
  const many = (n: number, tag: string) => Array.from({ length: n }, (_, i) => entry(asFileId(`${tag}${i.toString(16).padStart(63, '0')}`), `${tag}${i}`));
  c.setLocal(many(20_000, 'e'));
  c.setRemote(p2, 'honest', many(100, 'd'));
  c.setRemote(p3, 'big', many(8000, 'c'));
  c.setRemote(asPeerId('dddddddddddddddd'), 'bigger', many(9000, 'b'));
  assert.ok(c.remoteBytes <= budget, `${c.remoteBytes} held`);
  assert.is(c.fileCount(asPeerId('dddddddddddddddd')), undefined, 'the largest went');
  assert.is(c.fileCount(p3), 8000);
  assert.is(c.fileCount(p2), 100);
  assert.is(c.fileCount(me), 20_000, 'our own files never count against it');
  assert.is(warnings.length, 1);
  assert.match(warnings[0]!, /^catalog of bigger dropped: its 9000 files/);
});

test('20 peers × 60,000 entries stay inside the default budget (heap bounded)', () => {
  // Issue 15 item 8: RSS went from 60 to 655 MB holding all of them.
  const c = new Catalog({ id: me, name: 'peer1' });
  let dropped = 0;
  c.on('warning', () => dropped++);
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  for (let p = 0; p < 20; p++) {
    const entries = Array.from({ length: 60_000 }, (_, i) => entry(asFileId(`${p.toString(16).padStart(2, '0')}${i.toString(16).padStart(62, '0')}`), `fake-file-${i}.bin`));
    c.setRemote(asPeerId(p.toString(16).padStart(16, '0')), `fake${p}`, entries);
  }
  c.files();
  const held = [...Array(20).keys()].reduce((n, p) => n + (c.fileCount(asPeerId(p.toString(16).padStart(16, '0'))) ?? 0), 0);
  assert.ok(held <= 150_000, `${held} entries held`);
  assert.ok(dropped >= 16, `${dropped} dropped`);
  gc();
  const grown = (process.memoryUsage().heapUsed - heap0) / 1048576;
  assert.ok(grown < 1.5 * (DEFAULT_REMOTE_BUDGET_BYTES / 1048576), `heap grew ${grown.toFixed(0)} MB`);
});

test('a file view stays the same object until its listings change, and reachEpoch counts moves (downloads are told only then)', () => {
  const c = new Catalog({ id: me, name: 'peer1' });
  c.setRemote(p2, 'peer2', [entry(idA, 'a.txt'), entry(idB, 'b.txt')]);
  const a = c.file(idA);
  const b = c.file(idB);
  c.setLocal([entry(idB, 'b.txt')]);
  assert.is(c.file(idA), a, 'another file finishing here leaves this view alone');
  assert.is.not(c.file(idB), b, 'the changed file gets a new view');
  const ports = { receiver: 1, sender: 2, distributor: 3, distributee: 4 };
  const e0 = c.reachEpoch;
  c.locate(p2, { name: 'peer2', address: '10.0.0.2', ports });
  c.locate(p2, { name: 'peer2', address: '10.0.0.2', ports });
  assert.is(c.reachEpoch, e0 + 1, 'the same address again is no move');
  c.locate(p2, { name: 'peer2', address: '10.0.0.9', ports });
  assert.is(c.reachEpoch, e0 + 2);
  c.removePeer(p2);
  assert.is(c.reachEpoch, e0 + 3);
  assert.is(c.file(idA), undefined);
});

test.run();
