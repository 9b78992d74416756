// The push's dealing (pure): shares, stealing, re-dealing a departed recipient's chunks, the end game
// and its bound, and what a recipient that lies in its reports can make the origin send.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bitfield } from '../../src/store/bitfield.js';
import { PushPlan, endgameCap, type Pick } from '../../src/push/push-plan.js';
import { asPeerId, type PeerId } from '../../src/types.js';

const [A, B, C, H] = ['a', 'b', 'c', 'd'].map((x) => asPeerId(x.repeat(16))) as [PeerId, PeerId, PeerId, PeerId];

/** Takes every pick `peer` gets until it has none, marking each sent. */
function drain(plan: PushPlan, peer: PeerId, max = Infinity): Pick[] {
  const out: Pick[] = [];
  for (let p = plan.next(peer); p && out.length < max; p = out.length < max ? plan.next(peer) : undefined) {
    plan.sent(peer, p.index);
    out.push(p);
  }
  return out;
}

const bits = (n: number, set: Iterable<number>) => {
  const b = new Bitfield(n);
  for (const i of set) b.set(i);
  return b;
};

test('each recipient is dealt a different striped share', () => {
  const plan = new PushPlan(9, [A, B, C]);
  assert.equal(drain(plan, A, 3).map((p) => p.index), [0, 3, 6]);
  assert.equal(drain(plan, B, 3).map((p) => p.index), [1, 4, 7]);
  assert.equal(drain(plan, C, 3).map((p) => [p.index, p.kind]), [[2, 'share'], [5, 'share'], [8, 'share']]);
  assert.ok(plan.firstPassDone());
});

test('an idle recipient steals from the back of the longest queue: every chunk still leaves once', () => {
  const plan = new PushPlan(12, [A, B]);
  const a = drain(plan, A);
  const b = drain(plan, B);
  // A took its share, then all of B's queue from the back.
  assert.equal(a.slice(0, 6).map((p) => p.index), [0, 2, 4, 6, 8, 10]);
  assert.equal(a.slice(6).map((p) => [p.index, p.kind]), [[11, 'steal'], [9, 'steal'], [7, 'steal'], [5, 'steal'], [3, 'steal'], [1, 'steal']]);
  // Then, with nothing reported by anyone, B is idle: one end-game duplicate (the cap for 12 chunks).
  assert.equal(b.map((p) => [p.index, p.kind]), [[0, 'endgame']]);
  assert.ok(plan.firstPassDone());
});

test('a held member keeps its share; nobody is sent it while it is live', () => {
  const plan = new PushPlan(6, [A, B], [H]);
  const got = [...drain(plan, A), ...drain(plan, B)].map((p) => p.index).sort();
  assert.equal(got, [0, 1, 3, 4]);
  assert.ok(plan.union().has(2) && plan.union().has(5));
});

test('a departed recipient: its queue and what it got that nobody reported go to the others', () => {
  const plan = new PushPlan(6, [A, B, C]);
  plan.sent(A, plan.next(A)!.index); // chunk 0 written to A, not reported
  drain(plan, B, 2);
  drain(plan, C, 2);
  plan.report(B, bits(6, [1, 4]), false);
  plan.report(C, bits(6, [2, 5]), false);
  // A leaves with chunk 0 unreported and chunk 3 never sent.
  assert.is(plan.gone(A), 2);
  const re = [...drain(plan, B), ...drain(plan, C)].map((p) => p.index).sort();
  assert.equal(re, [0, 3]);
  assert.is(plan.redealt, 2);
});

test('a departed holder: its share is sent to the recipients after all', () => {
  const plan = new PushPlan(4, [A], [H]);
  assert.equal(drain(plan, A).map((p) => p.index), [0, 2]);
  assert.is(plan.gone(H), 2);
  assert.equal(drain(plan, A).map((p) => [p.index, p.kind]), [[1, 'redeal'], [3, 'redeal']]);
});

test('end game: only after the first pass, only for a recipient with nothing to fetch, at most the cap', () => {
  const n = 40;
  const plan = new PushPlan(n, [A, B]);
  const a = drain(plan, A, 20).map((p) => p.index);
  plan.report(A, bits(n, a), false);
  // B's share is still queued: A steals from it, no duplicate.
  const steal = plan.next(A)!;
  assert.is(steal.kind, 'steal');
  plan.sent(A, steal.index);
  assert.is(drain(plan, B).length, 19);
  // B reported nothing yet, A holds all that anyone reported: end game, capped.
  const dups = drain(plan, A);
  assert.ok(dups.length > 0 && dups.every((p) => p.kind === 'endgame'));
  assert.is(dups.length, endgameCap(n, 2));
  // Once B reports its chunks, A has something to fetch from B: no end game.
  const plan2 = new PushPlan(n, [A, B]);
  plan2.report(B, bits(n, drain(plan2, B, 20).map((p) => p.index)), false);
  plan2.report(A, new Bitfield(n), false);
  assert.is(plan2.next(A)?.kind, 'share');
  const plan3 = new PushPlan(4, [A, B]);
  plan3.report(A, bits(4, drain(plan3, A, 2).map((p) => p.index)), false);
  plan3.report(B, bits(4, drain(plan3, B).map((p) => p.index)), false);
  assert.is(plan3.next(A), undefined);
});

test('end game waits graceMs after a chunk left for its report before duplicating it', () => {
  const plan = new PushPlan(2, [A, B], [], 5, 1000);
  plan.sent(A, plan.next(A, 0)!.index, 0);
  plan.sent(B, plan.next(B, 0)!.index, 0);
  plan.report(A, bits(2, [0]), false);
  assert.is(plan.next(A, 999), undefined);
  assert.equal(plan.next(A, 1000), { index: 1, kind: 'endgame' });
});

test('a lying recipient cannot make the origin send more than each chunk once plus its end-game cap', () => {
  const n = 100;
  const plan = new PushPlan(n, [A, B, C]);
  let sent = 0;
  for (let round = 0; round < 50; round++) {
    for (const p of [A, B, C]) sent += drain(plan, p).length;
    // A always claims to hold nothing; B and C tell the truth about nothing either.
    plan.report(A, new Bitfield(n), false);
  }
  assert.ok(sent <= n + 3 * endgameCap(n, 3), `sent ${sent}`);
  // A alone, claiming nothing over and over, never gets a chunk twice.
  const seen = new Set<number>();
  const lone = new PushPlan(n, [A]);
  for (let round = 0; round < 5; round++) {
    for (const p of drain(lone, A)) {
      assert.not.ok(seen.has(p.index), `chunk ${p.index} twice`);
      seen.add(p.index);
    }
    lone.report(A, new Bitfield(n), false);
  }
});

test('finished once every recipient is done or gone', () => {
  const plan = new PushPlan(2, [A, B]);
  assert.not.ok(plan.finished());
  plan.report(A, Bitfield.full(2), true);
  plan.gone(B);
  assert.ok(plan.finished());
  assert.is(plan.next(A), undefined);
  plan.report(A, new Bitfield(3), false);
});

test('a late accepter: the whole file when it is the only one, only steals while others run', () => {
  const alone = new PushPlan(4, []);
  alone.join(A);
  assert.equal(drain(alone, A).map((p) => p.index), [0, 1, 2, 3]);
  const busy = new PushPlan(6, [A, B]);
  plan_sent(busy, A, 1);
  busy.join(C);
  busy.join(C);
  const got = drain(busy, C, 2);
  assert.equal(got.map((p) => p.kind), ['steal', 'steal'], 'nothing undealt: it steals');
  const first = (p: Pick) => p.kind !== 'endgame';
  const all = [...got, ...drain(busy, A), ...drain(busy, B)].filter(first).map((p) => p.index);
  assert.equal(all.sort((a, b) => a - b), [1, 2, 3, 4, 5], 'every other chunk once in the first pass (0 went to A before)');
});

function plan_sent(plan: PushPlan, peer: PeerId, n: number): void {
  drain(plan, peer, n);
}

test.run();
