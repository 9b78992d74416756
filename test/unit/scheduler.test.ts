import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bitfield } from '../../src/store/bitfield.js';
import { Scheduler, seededRandom } from '../../src/transfer/scheduler.js';
import { isLanmeshError } from '../../src/errors.js';

const CHUNK = 1024 * 1024;

function partial(length: number, indices: Iterable<number>): Bitfield {
  const b = new Bitfield(length);
  for (const i of indices) b.set(i);
  return b;
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

interface SimHolder {
  id: string;
  /** ms the holder's link needs per chunk (it sends one chunk at a time, in request order) */
  service: number;
  have?: Bitfield;
}

/**
 * Drive a scheduler with a simulated clock: each request reaches the holder after `latency` ms,
 * holders serve their queue serially, cancelled duplicates are dropped. Returns finish time and shares.
 */
function simulate(chunkCount: number, holders: SimHolder[], opts: { latency?: number; window?: number; seed?: number } = {}) {
  const latency = opts.latency ?? 0.5;
  const s = new Scheduler({ chunkCount, have: new Bitfield(chunkCount), perHolderWindow: opts.window ?? 8, random: seededRandom(opts.seed ?? 1) });
  for (const h of holders) s.addHolder(h.id, h.have ?? 'all');
  const linkFree = new Map(holders.map((h) => [h.id, 0]));
  let events: { t: number; id: string; i: number }[] = [];
  const outstanding = new Map(holders.map((h) => [h.id, new Set<number>()]));
  let requests = 0;
  let now = 0;
  const pump = () => {
    for (const h of holders) {
      for (const i of s.next(h.id, now)) {
        const mine = outstanding.get(h.id)!;
        assert.not.ok(mine.has(i), `chunk ${i} requested twice from ${h.id} at once`);
        mine.add(i);
        requests++;
        const t = Math.max(now + latency, linkFree.get(h.id)!) + h.service;
        linkFree.set(h.id, t);
        events.push({ t, id: h.id, i });
      }
    }
  };
  pump();
  for (let steps = 0; !s.isDone(); steps++) {
    assert.ok(steps < 100_000 && events.length > 0, 'simulation stalled');
    events.sort((a, b) => a.t - b.t);
    const e = events.shift()!;
    now = e.t;
    outstanding.get(e.id)!.delete(e.i);
    const out = s.onChunk(e.id, e.i, CHUNK, now);
    for (const other of out.duplicateOf ?? []) {
      events = events.filter((x) => !(x.id === other && x.i === e.i));
      outstanding.get(other)!.delete(e.i);
    }
    pump();
  }
  const share = new Map(s.stats().map((st) => [st.id, st.chunks]));
  return { finish: now, share, requests, stats: s.stats() };
}

test('two equal holders both get work, about half each', () => {
  const r = simulate(200, [{ id: 'a', service: 2 }, { id: 'b', service: 2 }]);
  const a = r.share.get('a')!;
  const b = r.share.get('b')!;
  assert.is(a + b, 200);
  assert.ok(a >= 80 && b >= 80, `shares ${a}/${b}`);
  assert.ok(r.finish < 200 * 2 * 0.6, `finish ${r.finish}`);
});

test('a slower holder gets a smaller share and still helps: faster than the fast holder alone', () => {
  const n = 200;
  const r = simulate(n, [{ id: 'fast', service: 1 }, { id: 'slow', service: 10 }]);
  const fast = r.share.get('fast')!;
  const slow = r.share.get('slow')!;
  assert.is(fast + slow, n);
  assert.ok(slow > 0 && slow < fast / 4, `shares fast ${fast} slow ${slow}`);
  const fastAlone = simulate(n, [{ id: 'fast', service: 1 }]).finish;
  assert.ok(r.finish < fastAlone, `together ${r.finish} ms, fast alone ${fastAlone} ms`);
  const st = new Map(r.stats.map((x) => [x.id, x]));
  assert.ok(st.get('slow')!.rate < st.get('fast')!.rate / 5, 'measured rates reflect the links');
});

test('a nearly stalled holder cannot hold the download back (window shrinks, endgame takes over)', () => {
  const n = 200;
  const r = simulate(n, [{ id: 'fast', service: 1 }, { id: 'stuck', service: 5000 }]);
  const fastAlone = simulate(n, [{ id: 'fast', service: 1 }]).finish;
  assert.ok(r.finish <= fastAlone + 1, `with stuck holder ${r.finish} ms, fast alone ${fastAlone} ms`);
  assert.ok(r.share.get('fast')! >= n - 1);
});

test('equal holders: the endgame duplicates almost nothing (a copy only where it would come much sooner)', () => {
  const n = 256;
  const r = simulate(n, [{ id: 'a', service: 4 }, { id: 'b', service: 4 }, { id: 'c', service: 4 }]);
  const alone = simulate(n, [{ id: 'a', service: 4 }]).finish;
  console.log(`    ${r.requests} requests for ${n} chunks; ${r.finish} ms vs ${alone} ms from one`);
  assert.ok(r.requests <= n * 1.01, `${r.requests} requests for ${n} chunks`);
  assert.ok(r.finish < (alone / 3) * 1.1, `finish ${r.finish} ms, a third of one holder's ${alone / 3} ms`);
});

test('every chunk finishes with several holders of mixed speeds, partial ones included', () => {
  const n = 300;
  const r = simulate(n, [
    { id: 'a', service: 1 },
    { id: 'b', service: 3 },
    { id: 'c', service: 7, have: partial(n, range(0, 150)) },
    { id: 'd', service: 2, have: partial(n, range(100, 300)) },
  ]);
  const total = [...r.share.values()].reduce((x, y) => x + y, 0);
  assert.is(total, n);
  for (const id of ['a', 'b', 'c', 'd']) assert.ok(r.share.get(id)! > 0, `${id} got work`);
});

test('rarest first: a full holder starts with the chunks a partial holder lacks', () => {
  const n = 40;
  const s = new Scheduler({ chunkCount: n, have: new Bitfield(n), perHolderWindow: 8, random: seededRandom(3) });
  s.addHolder('full', 'all');
  s.addHolder('half', partial(n, range(0, 20)));
  const first = s.next('full', 0);
  assert.is(first.length, 4, 'unmeasured holders start at half the window');
  assert.ok(first.every((i) => i >= 20), `full picked ${first}`);
  const fromHalf = s.next('half', 0);
  assert.ok(fromHalf.length > 0 && fromHalf.every((i) => i < 20), `half picked ${fromHalf}`);
});

test('rarest first among partial holders: the chunk only one holder has goes first', () => {
  const n = 16;
  const s = new Scheduler({ chunkCount: n, have: new Bitfield(n), perHolderWindow: 2, random: seededRandom(9) });
  s.addHolder('x', partial(n, range(0, 16)));
  s.addHolder('y', partial(n, range(0, 15)));
  s.addHolder('z', partial(n, [...range(0, 10), 14]));
  const xs = s.next('x', 0);
  assert.is(xs[0], 15, 'only x has 15');
  assert.is(xs.length, 1);
  const ys = s.next('y', 0);
  assert.ok(ys.every((i) => i >= 10 && i <= 13), `y picked ${ys}`);
});

test('ties are broken by the injected RNG: same seed same order, other seed other order', () => {
  const picks = (seed: number) => {
    const s = new Scheduler({ chunkCount: 64, have: new Bitfield(64), perHolderWindow: 8, random: seededRandom(seed) });
    s.addHolder('a', 'all');
    return s.next('a', 0);
  };
  assert.equal(picks(5), picks(5));
  assert.not.equal(picks(5), picks(6));
  assert.not.equal(picks(5), [0, 1, 2, 3]);
});

test('held chunks are never scheduled; a complete or empty file is done at once', () => {
  const s = new Scheduler({ chunkCount: 6, have: partial(6, [0, 1, 2, 4]), random: seededRandom(1) });
  s.addHolder('a', 'all');
  assert.equal(s.next('a', 0).sort(), [3, 5]);
  assert.ok(new Scheduler({ chunkCount: 3, have: Bitfield.full(3) }).isDone());
  const empty = new Scheduler({ chunkCount: 0, have: new Bitfield(0) });
  empty.addHolder('a', 'all');
  assert.ok(empty.isDone());
  assert.equal(empty.next('a', 0), []);
});

test('endgame: an idle holder duplicates the last outstanding chunks; the first copy cancels the rest', () => {
  const s = new Scheduler({ chunkCount: 4, have: new Bitfield(4), perHolderWindow: 4, random: seededRandom(2) });
  s.addHolder('a', 'all');
  s.addHolder('b', 'all');
  const a = s.next('a', 0);
  const b = s.next('b', 0);
  assert.is(a.length, 2);
  assert.is(b.length, 2);
  for (const i of a) assert.equal(s.onChunk('a', i, CHUNK, 10), {});
  const dup = s.next('a', 10);
  assert.equal([...dup].sort(), [...b].sort(), 'a duplicates what b is fetching');
  assert.equal(s.next('a', 10), [], 'never the same chunk twice from one holder');
  const out = s.onChunk('b', b[0]!, CHUNK, 11);
  assert.equal(out.duplicateOf, ['a']);
  assert.equal(s.inFlightOf('a'), [b[1]]);
  const out2 = s.onChunk('a', b[1]!, CHUNK, 12);
  assert.equal(out2.duplicateOf, ['b']);
  assert.ok(s.isDone());
  assert.equal(s.onChunk('b', b[1]!, CHUNK, 13), {}, 'a late copy is harmless');
  assert.is(s.doneCount(), 4);
});

test('no endgame while a chunk is still queued for another holder', () => {
  const s = new Scheduler({ chunkCount: 6, have: new Bitfield(6), perHolderWindow: 4, random: seededRandom(4) });
  s.addHolder('a', partial(6, [0, 1]));
  s.addHolder('b', 'all');
  const a = s.next('a', 0);
  assert.equal([...a].sort(), [0, 1]);
  for (const i of a) s.onChunk('a', i, CHUNK, 1);
  assert.equal(s.next('a', 1), [], 'chunks 2..5 are not in flight yet');
});

test('removeHolder re-queues its in-flight chunks for the others', () => {
  const s = new Scheduler({ chunkCount: 10, have: new Bitfield(10), perHolderWindow: 4, random: seededRandom(5) });
  s.addHolder('a', 'all');
  s.addHolder('b', 'all');
  const a = s.next('a', 0);
  const b = s.next('b', 0);
  assert.equal([...s.removeHolder('a')].sort(), [...a].sort());
  assert.equal(s.removeHolder('a'), []);
  assert.equal(s.next('a', 0), []);
  for (const i of b) s.onChunk('b', i, CHUNK, 5);
  const got = new Set<number>(b);
  for (let t = 6; !s.isDone(); t++) {
    for (const i of s.next('b', t)) {
      got.add(i);
      s.onChunk('b', i, CHUNK, t);
    }
  }
  for (const i of a) assert.ok(got.has(i), `chunk ${i} refetched from b`);
  const st = s.stats().find((x) => x.id === 'a')!;
  assert.is(st.active, false);
});

test('onFailure re-queues the chunk and lowers the holder\'s measured rate', () => {
  const s = new Scheduler({ chunkCount: 4, have: new Bitfield(4), perHolderWindow: 4, random: seededRandom(6) });
  s.addHolder('a', 'all');
  const [x, y] = s.next('a', 0);
  s.onChunk('a', x!, CHUNK, 4);
  const before = s.stats()[0]!.rate;
  s.onFailure('a', y!);
  assert.ok(s.stats()[0]!.rate < before);
  assert.is(s.stats()[0]!.failures, 1);
  s.onFailure('a', y!);
  assert.is(s.stats()[0]!.failures, 1, 'a chunk no longer in flight is ignored');
  assert.ok(s.next('a', 5).includes(y!));
});

test('ban drops a holder for the rest of the download and re-queues its chunks', () => {
  const s = new Scheduler({ chunkCount: 8, have: new Bitfield(8), perHolderWindow: 4, random: seededRandom(8) });
  s.addHolder('evil', 'all');
  s.addHolder('good', 'all');
  const e = s.next('evil', 0);
  assert.equal([...s.ban('evil')].sort(), [...e].sort());
  s.addHolder('evil', 'all');
  s.updateHolder('evil', 'all');
  assert.equal(s.next('evil', 1), []);
  assert.ok(s.isBanned('evil'));
  const st = s.stats().find((x) => x.id === 'evil')!;
  assert.ok(st.banned && !st.active);
  const got = new Set<number>();
  for (let t = 1; !s.isDone(); t++) for (const i of s.next('good', t)) (got.add(i), s.onChunk('good', i, CHUNK, t));
  assert.is(got.size, 8);
});

test('updateHolder changes rarity; a bitfield of the wrong size is BAD_MESSAGE', () => {
  const s = new Scheduler({ chunkCount: 8, have: new Bitfield(8), perHolderWindow: 4, random: seededRandom(10) });
  s.addHolder('f', 'all');
  s.addHolder('p', partial(8, range(0, 4)));
  s.updateHolder('p', partial(8, range(4, 8)));
  const f = s.next('f', 0);
  assert.is(f.length, 2);
  assert.ok(f.every((i) => i < 4), `after the update 0..3 are the rare ones, f picked ${f}`);
  s.updateHolder('nobody', 'all');
  assert.equal(s.next('nobody', 0), [], 'updateHolder does not add');
  try {
    s.addHolder('q', new Bitfield(9));
    assert.unreachable('should throw');
  } catch (e) {
    assert.ok(isLanmeshError(e, 'BAD_MESSAGE'));
  }
});

test('windows adapt: the faster holder gets the full window, the slower a smaller one', () => {
  const s = new Scheduler({ chunkCount: 1000, have: new Bitfield(1000), perHolderWindow: 8, random: seededRandom(11) });
  s.addHolder('fast', 'all');
  s.addHolder('slow', 'all');
  let t = 0;
  for (let round = 0; round < 20; round++) {
    for (const i of s.next('fast', t)) s.onChunk('fast', i, CHUNK, (t += 1));
    for (const i of s.next('slow', t)) s.onChunk('slow', i, CHUNK, (t += 10));
  }
  const st = new Map(s.stats().map((x) => [x.id, x]));
  assert.is(st.get('fast')!.window, 8);
  assert.ok(st.get('slow')!.window <= 2, `slow window ${st.get('slow')!.window}`);
  s.removeHolder('fast');
  assert.is(s.stats().find((x) => x.id === 'slow')!.window, 8, 'alone it is the fastest');
});

test('fetchable: a holder with a chunk still missing (queued or in flight), not one whose chunks are all done', () => {
  const s = new Scheduler({ chunkCount: 6, have: partial(6, [0, 1]), random: seededRandom(3) });
  s.addHolder('p', partial(6, [0, 1, 2]));
  s.addHolder('full', 'all');
  assert.ok(s.fetchable('p'));
  assert.ok(s.fetchable('full'));
  assert.not.ok(s.fetchable('unknown'));
  assert.equal(s.next('p', 0), [2]);
  assert.ok(s.fetchable('p'), 'in flight, not verified yet');
  s.onChunk('p', 2, CHUNK, 1);
  assert.not.ok(s.fetchable('p'), 'everything it has is here');
  assert.ok(s.fetchable('full'));
  s.updateHolder('p', partial(6, [0, 1, 2, 5]));
  assert.ok(s.fetchable('p'));
});

test.run();
