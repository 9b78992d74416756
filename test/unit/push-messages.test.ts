// Push message codec (docs/PROTOCOL.md "Push"): valid forms round-trip, every invalid form is refused,
// the largest report fits a request frame, and a seeded fuzz loop never throws anything but BAD_MESSAGE.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isLanmeshError } from '../../src/errors.js';
import { MAX_REQUEST_FRAME, encodeControl } from '../../src/wire/frame.js';
import { MAX_FILE_CHUNKS, parseControl } from '../../src/wire/messages.js';
import { MAX_HAVE_BYTES, MAX_HOLDER_INDICES, MAX_PUSH_HOLDERS, MAX_PUSH_REASON } from '../../src/wire/push-messages.js';
import { seededRandom } from '../../src/transfer/scheduler.js';
import { parseValue, refuses } from '../support/message-asserts.js';

const ID = 'a'.repeat(64);
const PEER = '0123456789abcdef';
const TOKEN = 'e'.repeat(32);
const H = (i: number): string => i.toString(16).padStart(64, '0');
const manifest = { id: ID, name: 'big.bin', size: 3 * 1024, chunkSize: 1024, hashes: [H(1), H(2), H(3)] };
const offer = { t: 'push.offer', rid: 1, push: TOKEN, from: PEER, port: 9003, manifest };
const answer = { t: 'push.answer', rid: 1, verdict: 'accept' };
const report = { t: 'push.report', push: TOKEN, peer: PEER, have: Buffer.from([0xe0]).toString('base64'), fromOrigin: 2, fromPeers: 1, state: 'done' };

const holders = { t: 'push.holders', push: TOKEN, holders: [{ peer: PEER, add: [0, 2] }, { peer: 'fedcba9876543210', add: [1] }] };

const parse = parseValue;

test('valid push messages round-trip; unknown fields are dropped', () => {
  for (const v of ['accept', 'held', 'no-space', 'refused']) assert.equal(parse({ ...answer, verdict: v }), { ...answer, verdict: v });
  for (const st of ['running', 'done', 'failed']) assert.equal(parse({ ...report, state: st }), { ...report, state: st });
  assert.equal(parse({ ...offer, extra: 1 }), offer);
  assert.equal(parse({ ...answer, reason: 'already here' }), { ...answer, reason: 'already here' });
  assert.equal(parse(holders), holders);
  assert.equal(parse({ ...holders, holders: [] }), { ...holders, holders: [] });
});

test('push.holders: peers, indices and their totals are bounded', () => {
  const one = (add: unknown, peer: unknown = PEER) => ({ ...holders, holders: [{ peer, add }] });
  refuses(one([-1]), 'negative index');
  refuses(one([MAX_FILE_CHUNKS]), 'index past the largest file');
  refuses(one([1, 1]), 'duplicate index');
  refuses(one([0.5]), 'fractional index');
  refuses(one('0,1'), 'add not an array');
  refuses(one([0], 'ME'), 'bad peer');
  refuses({ ...holders, holders: [{ peer: PEER, add: [0] }, { peer: PEER, add: [1] }] }, 'the same peer twice');
  refuses({ ...holders, holders: [1] }, 'an entry that is no object');
  refuses({ ...holders, push: 'x' }, 'bad token');
  refuses({ ...holders, holders: undefined }, 'no list');
  const many = Array.from({ length: MAX_PUSH_HOLDERS + 1 }, (_, i) => ({ peer: i.toString(16).padStart(16, '0'), add: [0] }));
  refuses({ ...holders, holders: many }, 'too many peers');
  const half = Array.from({ length: MAX_HOLDER_INDICES / 2 + 1 }, (_, i) => i);
  refuses({ ...holders, holders: [{ peer: PEER, add: half }, { peer: 'fedcba9876543210', add: half }] }, 'too many indices in all');
  assert.equal((parse({ ...holders, holders: [{ peer: PEER, add: half.slice(1) }, { peer: 'fedcba9876543210', add: half.slice(1) }] }) as { holders: unknown[] }).holders.length, 2);
});

test('push.offer: every field is checked', () => {
  refuses({ ...offer, push: 'E'.repeat(32) }, 'upper-case token');
  refuses({ ...offer, push: TOKEN.slice(1) }, 'short token');
  refuses({ ...offer, from: 'me' }, 'bad from');
  refuses({ ...offer, port: 0 }, 'port 0');
  refuses({ ...offer, port: 65536 }, 'port too big');
  refuses({ ...offer, rid: 0 }, 'rid 0');
  refuses({ ...offer, manifest: undefined }, 'no manifest');
  refuses({ ...offer, manifest: { ...manifest, hashes: [H(1)] } }, 'too few hashes');
  refuses({ ...offer, manifest: { ...manifest, name: '' } }, 'empty name');
  refuses({ ...offer, manifest: { ...manifest, chunkSize: 0 } }, 'chunk size 0');
});

test('push.answer: verdict from the list, reason bounded', () => {
  refuses({ ...answer, verdict: 'maybe' }, 'unknown verdict');
  refuses({ ...answer, verdict: 1 }, 'verdict not a string');
  refuses({ t: 'push.answer', rid: 1 }, 'no verdict');
  refuses({ ...answer, reason: 'x'.repeat(MAX_PUSH_REASON + 1) }, 'reason too long');
});

test('push.report: bitfield, counts and state are checked', () => {
  refuses({ ...report, have: '!!!!' }, 'not base64');
  refuses({ ...report, have: 'a' }, 'bad base64 length');
  refuses({ ...report, have: Buffer.alloc(MAX_HAVE_BYTES + 1).toString('base64') }, 'bitfield too long');
  refuses({ ...report, fromOrigin: -1 }, 'negative count');
  refuses({ ...report, fromPeers: MAX_FILE_CHUNKS + 1 }, 'count too big');
  refuses({ ...report, state: 'resting' }, 'unknown state');
  refuses({ ...report, peer: 'x'.repeat(16) }, 'bad peer');
  refuses({ ...report, push: undefined }, 'no token');
});

test('the largest report fits in one request frame (what the distributor port accepts)', () => {
  const big = { ...report, have: Buffer.alloc(MAX_HAVE_BYTES, 0xff).toString('base64'), fromOrigin: MAX_FILE_CHUNKS, fromPeers: MAX_FILE_CHUNKS };
  const frame = encodeControl(big);
  assert.ok(frame.length - 4 <= MAX_REQUEST_FRAME, `${frame.length} bytes`);
  assert.equal(parseControl(frame.subarray(5)), big);
});

test('fuzz: 10k seeded slices and mutations of push messages only ever fail with BAD_MESSAGE', () => {
  const rand = seededRandom(10);
  const texts = [offer, answer, report, holders].map((m) => Buffer.from(JSON.stringify(m), 'utf8'));
  let accepted = 0;
  for (let iter = 0; iter < 10_000; iter++) {
    const src = texts[iter % texts.length]!;
    const a = Math.floor(rand() * src.length);
    const b = a + Math.floor(rand() * (src.length - a + 1));
    const body = Buffer.from(rand() < 0.5 ? src.subarray(a, b) : src);
    for (let k = Math.floor(rand() * 4); k > 0; k--) body[Math.floor(rand() * body.length)] = Math.floor(rand() * 256);
    try {
      parseControl(body);
      accepted++;
    } catch (e) {
      assert.ok(isLanmeshError(e, 'BAD_MESSAGE'), `iteration ${iter}: ${String(e)}`);
    }
  }
  assert.ok(accepted > 0 && accepted < 10_000, `${accepted} accepted`);
});

test.run();
