// The small pieces of the transfer module: upload slots, request tokens, the rate meter, which file a
// word names, chunks.cancel validation, and the text of progress, summary and `where` lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Slots } from '../../src/transfer/slots.js';
import { TokenTable, plainAddress } from '../../src/transfer/tokens.js';
import { RateMeter } from '../../src/transfer/rate-meter.js';
import { resolveFile, chosenName } from '../../src/transfer/resolve.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { Bitfield } from '../../src/store/bitfield.js';
import { validateControl } from '../../src/wire/messages.js';
import { chunkRanges, formatDone, formatProgress, formatWhere } from '../../src/session/text.js';
import { parseDone } from '../support/download-mesh.js';
import { isLanmeshError } from '../../src/errors.js';
import { asFileId, asPeerId } from '../../src/types.js';
import { withTimeout } from '../support/with-timeout.js';

const P1 = asPeerId('1111111111111111');
const P2 = asPeerId('2222222222222222');
const ID_A = asFileId('a'.repeat(64));
const ID_B = asFileId('b'.repeat(64));

test('slots: one owner holds at most its share; its waiters let other owners go first (issue 15 item 2)', withTimeout(2000, async () => {
  const slots = new Slots(4);
  assert.is(slots.perOwner, 1);
  const mine = [await slots.acquire('attacker')];
  const queued = [slots.acquire('attacker'), slots.acquire('attacker')];
  const order: string[] = [];
  const honest = [slots.acquire('honest').then((r) => (order.push('honest'), r)), slots.acquire('other').then((r) => (order.push('other'), r))];
  const [h, o] = await Promise.all(honest);
  assert.equal(order, ['honest', 'other']);
  assert.is(slots.heldBy('attacker'), 1);
  assert.is(slots.inUse, 3);
  assert.is(slots.waiting, 2, 'the attacker\'s own waiters wait for its slot, not for a free one');
  mine[0]!();
  const next = await queued[0]!;
  assert.is(slots.heldBy('attacker'), 1);
  next();
  (await queued[1]!)();
  h!();
  o!();
  assert.is(slots.inUse, 0);
}));

test('slots: at most N at once, the rest in arrival order; release is idempotent', withTimeout(2000, async () => {
  const slots = new Slots(2, 2);
  const order: number[] = [];
  const r1 = await slots.acquire();
  const r2 = await slots.acquire();
  const waiting = [3, 4].map((n) => slots.acquire().then((r) => (order.push(n), r)));
  assert.is(slots.waiting, 2);
  r1();
  r1();
  const r3 = await waiting[0]!;
  assert.equal(order, [3]);
  assert.is(slots.inUse, 2);
  r2();
  r3();
  (await waiting[1]!)();
  assert.equal(order, [3, 4]);
  assert.is(slots.inUse, 0);
  slots.close();
  await slots.acquire().then(
    () => assert.unreachable('acquired after close'),
    (e) => assert.ok(isLanmeshError(e, 'CONNECTION_CLOSED')),
  );
}));

test('tokens: fresh, and they match only the peer and address they were issued for', () => {
  const t = new TokenTable();
  const ticket = { peer: P1, address: '10.0.0.1', onChunk: () => undefined, onMissing: () => undefined };
  const a = t.issue(ticket);
  const b = t.issue(ticket);
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.is.not(a, b);
  assert.is(t.match(a, P1, '10.0.0.1'), ticket);
  assert.is(t.match(a, P1, '::ffff:10.0.0.1'), ticket);
  assert.is(t.match(a, P2, '10.0.0.1'), undefined, 'another peer');
  assert.is(t.match(a, P1, '10.0.0.2'), undefined, 'another address');
  assert.is(t.match(a, undefined, '10.0.0.1'), undefined, 'no data.hello yet');
  t.retire(a);
  assert.is(t.match(a, P1, '10.0.0.1'), undefined, 'retired');
  assert.is(t.size, 1);
  assert.is(plainAddress('::1'), '::1');
});

test('rate meter: bytes per second over the last seconds, 0 once idle', () => {
  let now = 100_000;
  const m = new RateMeter(() => now, 5000);
  assert.is(m.rate(), 0);
  for (let s = 0; s < 4; s++) {
    m.add(1_000_000);
    now += 1000;
  }
  assert.ok(Math.abs(m.rate() - 1_000_000) < 1, String(m.rate()));
  now += 10_000;
  assert.is(m.rate(), 0);
});

test('a word names one file: exact name, else an id prefix; same name with other content is AMBIGUOUS', () => {
  const c = new Catalog({ id: P1, name: 'me' });
  c.setRemote(P2, 'peer2', [
    { id: ID_A, name: 'notes.txt', size: 5, chunkSize: 1024 },
    { id: ID_B, name: 'notes.txt', size: 7, chunkSize: 1024 },
    { id: ID_B, name: 'other name.txt', size: 7, chunkSize: 1024 },
  ]);
  const err = (() => {
    try {
      resolveFile(c, 'notes.txt');
    } catch (e) {
      return e;
    }
  })();
  assert.ok(isLanmeshError(err, 'AMBIGUOUS'));
  assert.match((err as Error).message, `give an id instead: ${'a'.repeat(12)} (5 bytes, peer2); ${'b'.repeat(12)} (7 bytes, peer2)`);
  const b = resolveFile(c, 'bbbb');
  assert.is(b.id, ID_B);
  assert.is(chosenName(b, 'bbbb'), 'notes.txt');
  assert.is(chosenName(resolveFile(c, 'other name.txt'), 'other name.txt'), 'other name.txt');
  assert.throws(() => resolveFile(c, 'missing.txt'), (e: unknown) => isLanmeshError(e, 'NOT_FOUND'));
  assert.throws(() => resolveFile(c, ' '), (e: unknown) => isLanmeshError(e, 'BAD_COMMAND'));
});

test('chunks.cancel is validated like chunks.get', () => {
  const token = 'c'.repeat(32);
  assert.equal(validateControl({ t: 'chunks.cancel', token, chunks: [3, 1], extra: 1 }), { t: 'chunks.cancel', token, chunks: [3, 1] });
  for (const bad of [
    { t: 'chunks.cancel', token },
    { t: 'chunks.cancel', token: 'C'.repeat(32), chunks: [1] },
    { t: 'chunks.cancel', token, chunks: [1, 1] },
    { t: 'chunks.cancel', token, chunks: [-1] },
    { t: 'chunks.cancel', token, chunks: Array.from({ length: 4097 }, (_, i) => i) },
  ]) {
    assert.throws(() => validateControl(bad), (e: unknown) => isLanmeshError(e, 'BAD_MESSAGE'), JSON.stringify(bad).slice(0, 80));
  }
});

test('progress, final and where lines; the final line parses back', () => {
  const bits = new Bitfield(20);
  for (const i of [0, 1, 2, 5, 7, 8, 19]) bits.set(i);
  assert.is(chunkRanges(bits), '0-2,5,7-8,19');
  assert.is(chunkRanges(new Bitfield(3)), 'none');
  assert.is(chunkRanges(Bitfield.full(5)), '0-4');

  const MiB = 1024 * 1024;
  assert.is(
    formatProgress({ id: ID_A, name: 'big.bin', size: 64 * MiB, chunks: 64, chunksDone: 29, bytesDone: 29 * MiB, percent: 45.3, rate: 12.5 * MiB, holders: 2, known: 2, state: 'running' }),
    'download big.bin: 45.3% 29.0 MiB/64.0 MiB at 12.5 MiB/s from 2 holders',
  );
  const line = formatDone(
    {
      id: ID_A, name: 'big.bin', path: '/p/downloads/big.bin', size: 64 * MiB, ms: 3200, rate: 20 * MiB,
      shares: [{ peer: P1, name: 'peer1', bytes: 40 * MiB, chunks: 40 }, { peer: P2, name: 'peer2', bytes: 24 * MiB, chunks: 24 }],
      kept: 0, fetched: 64, refetched: 0, duplicates: 1,
      dropped: [{ id: ID_A, file: 'big.bin', peer: P2, name: 'evil', address: '10.0.0.9', reason: 'x' }],
    },
    '/p',
  );
  assert.is(line, 'downloaded big.bin: 64.0 MiB in 3.20 s (20.0 MiB/s) → downloads/big.bin; from peer1 40.0 MiB (63%), peer2 24.0 MiB (38%); 64 chunks fetched, 0 kept, 0 refetched; dropped evil (bad data)');
  const parsed = parseDone(`* ${line}`);
  assert.equal([...parsed.shares], [['peer1', 40 * MiB], ['peer2', 24 * MiB]]);
  assert.equal([parsed.fetched, parsed.kept, parsed.refetched, parsed.dropped], [64, 0, 0, ['evil']]);

  const where = formatWhere({
    file: { id: ID_A, size: 20 * 1024, chunkSize: 1024, names: ['a b.txt'], holders: [], conflicting: [], local: false },
    chunks: 20,
    holders: [
      { peer: P1, name: 'peer1', address: '10.0.0.1', self: false, have: 'all' },
      { peer: P2, name: 'me', address: undefined, self: true, have: bits },
    ],
  });
  assert.equal(where, [
    `a b.txt  20.0 KiB  20 chunks  id ${'a'.repeat(64)}`,
    '2 holders',
    '  peer1           10.0.0.1  all 20 chunks',
    '  me (this peer)  -         7/20 chunks: 0-2,5,7-8,19',
  ]);
});

test.run();
