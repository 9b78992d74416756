// The origin's relay of who holds what among a push's recipients (pure): each recipient is told only
// what the others gained since it was told last, never about itself, everything again after a
// reconnect, nothing about a recipient that left, and no message holds more than its cap of indices.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bitfield } from '../../src/store/bitfield.js';
import { HolderRelay } from '../../src/push/holder-relay.js';
import { PushHints } from '../../src/transfer/push-hints.js';
import { asPeerId, type PeerId } from '../../src/types.js';

const [A, B, C] = ['a', 'b', 'c'].map((x) => asPeerId(x.repeat(16))) as [PeerId, PeerId, PeerId];
const bits = (n: number, set: Iterable<number>) => {
  const b = new Bitfield(n);
  for (const i of set) b.set(i);
  return b;
};

test('each recipient hears what the others gained since last time, in the order it came', () => {
  const r = new HolderRelay(8);
  r.update(A, bits(8, [3, 1]));
  r.update(B, bits(8, [2]));
  assert.equal(r.news(C), [{ peer: A, add: [1, 3] }, { peer: B, add: [2] }]);
  assert.equal(r.news(A), [{ peer: B, add: [2] }], 'never told about itself');
  assert.equal(r.news(C), [], 'nothing new');
  r.update(A, bits(8, [1, 3, 5]));
  r.update(A, bits(8, [0]));
  assert.equal(r.news(C), [{ peer: A, add: [5, 0] }], 'only the news; a report lacking a bit does not take it back');
  assert.equal(r.news(B), [{ peer: A, add: [1, 3, 5, 0] }]);
  assert.is(r.pending(C), false);
});

test('a reconnect hears everything again; a departed recipient is never mentioned', () => {
  const r = new HolderRelay(4);
  r.update(A, bits(4, [0, 1]));
  r.update(B, bits(4, [2]));
  r.news(C);
  r.reset(C);
  assert.equal(r.news(C), [{ peer: A, add: [0, 1] }, { peer: B, add: [2] }]);
  r.forget(A);
  r.update(B, bits(4, [2, 3]));
  assert.equal(r.news(C), [{ peer: B, add: [3] }]);
  r.reset(C);
  assert.equal(r.news(C), [{ peer: B, add: [2, 3] }]);
  r.update(C, bits(5, [0]));
  assert.equal(r.news(A), [{ peer: B, add: [2, 3] }], 'a bitfield of another length is ignored');
});

test('news is capped per message; the rest comes with the next one', () => {
  const r = new HolderRelay(10, 3);
  r.update(A, bits(10, [0, 1, 2, 3]));
  r.update(B, bits(10, [4, 5]));
  assert.equal(r.news(C), [{ peer: A, add: [0, 1, 2] }]);
  assert.is(r.pending(C), true);
  assert.equal(r.news(C), [{ peer: A, add: [3] }, { peer: B, add: [4, 5] }]);
  assert.is(r.pending(C), false);
});

test('a recipient merges the hints into the holders it knows, adding only peers it can reach', () => {
  const h = new PushHints();
  const id = 'f'.repeat(64) as never;
  const reach = (p: PeerId) => (p === C ? undefined : { name: `n-${p[0]}`, address: `10.0.0.${p === A ? 1 : 2}`, ports: { receiver: 1, sender: 2, distributor: 3, distributee: 4 } });
  assert.is(h.add(id, 4, [{ peer: A, add: [0, 9] }, { peer: B, add: [1] }, { peer: C, add: [2] }]), true);
  assert.is(h.add(id, 4, [{ peer: A, add: [0] }]), false, 'nothing new');
  const known = [{ peer: A, name: 'n-a', address: '10.0.0.1', senderPort: 2, have: bits(4, [3]) }];
  const out = h.merge(id, known, reach, () => false);
  assert.is(out.length, 2, 'C cannot be reached, so it is not added');
  assert.equal((out[0]!.have as Bitfield).missing(), [1, 2], 'A: catalog bit 3 and hinted 0; index 9 was past the end');
  assert.equal((known[0]!.have as Bitfield).missing(), [0, 1, 2], 'the catalog list is not changed');
  assert.equal({ ...out[1]!, have: (out[1]!.have as Bitfield).missing() }, { peer: B, name: 'n-b', address: '10.0.0.2', senderPort: 2, have: [0, 2, 3] });
  assert.is(h.merge(id, known, reach, (p) => p === B).length, 1, 'a skipped peer (the origin) is never added');
  h.forget(id);
  assert.is(h.merge(id, known, reach, () => false), known);
});

test.run();
