import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bitfield } from '../../src/store/bitfield.js';
import { isLanmeshError } from '../../src/errors.js';
import { seededRandom } from '../../src/transfer/scheduler.js';

const badMessage = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.ok(isLanmeshError(e, 'BAD_MESSAGE'), String(e));
    return;
  }
  assert.unreachable('should have thrown BAD_MESSAGE');
};

test('bit i is MSB-first in byte i>>3 (the wire `have` layout)', () => {
  const b = new Bitfield(10);
  b.set(0);
  b.set(9);
  assert.equal([...b.toBytes()], [0x80, 0x40]);
  assert.is(b.toBase64(), Buffer.from([0x80, 0x40]).toString('base64'));
  const c = new Bitfield(8);
  c.set(7);
  assert.equal([...c.toBytes()], [0x01]);
});

test('round trips through base64 for many lengths and patterns', () => {
  const rnd = seededRandom(7);
  for (const length of [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 2048, 2049]) {
    for (let trial = 0; trial < 5; trial++) {
      const b = new Bitfield(length);
      const want: number[] = [];
      for (let i = 0; i < length; i++) {
        if (rnd() < 0.4) {
          b.set(i);
          want.push(i);
        }
      }
      const back = Bitfield.fromBase64(b.toBase64(), length);
      const got: number[] = [];
      for (let i = 0; i < length; i++) if (back.has(i)) got.push(i);
      assert.equal(got, want, `length ${length}`);
      assert.is(back.count(), want.length);
      assert.is(back.missing().length, length - want.length);
      assert.is(back.isComplete(), want.length === length);
    }
  }
});

test('count, missing, isComplete, clear and full', () => {
  const b = new Bitfield(5);
  assert.is(b.count(), 0);
  assert.equal(b.missing(), [0, 1, 2, 3, 4]);
  b.set(1);
  b.set(1);
  b.set(3);
  assert.is(b.count(), 2);
  assert.equal(b.missing(), [0, 2, 4]);
  b.clear(1);
  b.clear(1);
  assert.is(b.count(), 1);
  assert.not.ok(b.isComplete());
  const f = Bitfield.full(5);
  assert.ok(f.isComplete());
  assert.equal(f.missing(), []);
  assert.equal([...f.toBytes()], [0xf8]);
  assert.ok(new Bitfield(0).isComplete());
  assert.is(new Bitfield(0).toBase64(), '');
  assert.ok(Bitfield.fromBase64('', 0).isComplete());
});

test('bounds: has() is false outside, set()/clear() throw RangeError', () => {
  const b = Bitfield.full(9);
  for (const i of [-1, 9, 10, 1.5, NaN, 1e9]) assert.not.ok(b.has(i), `has(${i})`);
  assert.throws(() => b.set(9), RangeError);
  assert.throws(() => b.set(-1), RangeError);
  assert.throws(() => b.clear(100), RangeError);
  assert.throws(() => new Bitfield(3).set(0.5), RangeError);
});

test('fromBase64 rejects wrong sizes, stray spare bits and non-base64 as BAD_MESSAGE', () => {
  const three = Buffer.from([0xff, 0xff, 0xff]).toString('base64');
  badMessage(() => Bitfield.fromBase64(three, 16));
  badMessage(() => Bitfield.fromBase64(three, 25));
  badMessage(() => Bitfield.fromBase64(three, 23));
  assert.ok(Bitfield.fromBase64(three, 24).isComplete());
  badMessage(() => Bitfield.fromBase64(Buffer.from([0x81]).toString('base64'), 7));
  badMessage(() => Bitfield.fromBase64('not base64!', 8));
  badMessage(() => Bitfield.fromBase64('gA', 8));
  badMessage(() => Bitfield.fromBase64(42 as unknown as string, 8));
  badMessage(() => new Bitfield(-1));
  badMessage(() => new Bitfield(2.5));
  badMessage(() => new Bitfield(8, new Uint8Array(2)));
});

test('the constructor and clone copy their bytes', () => {
  const raw = new Uint8Array([0x80]);
  const b = new Bitfield(8, raw);
  raw[0] = 0;
  assert.ok(b.has(0));
  const c = b.clone();
  c.set(1);
  assert.not.ok(b.has(1));
  const out = b.toBytes();
  out[0] = 0xff;
  assert.is(b.count(), 1);
});

test.run();
