import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Catalog } from '../../src/catalog/catalog.js';
import { asFileId, asPeerId, type CatalogEntry } from '../../src/types.js';

const me = asPeerId('aaaaaaaaaaaaaaaa');
const p2 = asPeerId('bbbbbbbbbbbbbbbb');
const p3 = asPeerId('cccccccccccccccc');
const idA = asFileId('a'.repeat(64));
const idB = asFileId('b'.repeat(64));
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

test.run();
