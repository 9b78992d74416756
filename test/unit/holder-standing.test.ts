// HolderStanding: strikes in a row drop a holder until the catalog stops listing it; bad data drops it for good.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HolderStanding } from '../../src/transfer/holder-standing.js';
import type { DroppedHolder } from '../../src/transfer/download-types.js';
import { asPeerId, type FileId } from '../../src/types.js';

const slow = asPeerId('1111111111111111');
const evil = asPeerId('2222222222222222');
const drop = (peer: typeof slow, reason: string): DroppedHolder => ({ id: 'ab'.repeat(32) as FileId, file: 'f', peer, name: peer, address: '10.0.0.1', reason });

test('strikes count in a row and start over after a delivered chunk', () => {
  const s = new HolderStanding(3);
  assert.is(s.strike(slow), undefined);
  assert.is(s.strike(slow), undefined);
  s.delivered(slow);
  assert.is(s.strike(slow), undefined);
  assert.is(s.strike(slow), undefined);
  assert.is(s.strike(slow), 3);
});

test('a strike drop is forgiven when the holder leaves the listing; a bad-data drop never is', () => {
  const s = new HolderStanding(3);
  assert.ok(s.drop(drop(slow, 'stalled'), false));
  assert.ok(s.drop(drop(evil, 'corrupt'), true));
  assert.not.ok(s.drop(drop(slow, 'again'), false), 'already out');
  assert.is(s.strike(slow), undefined, 'no strikes while out');
  assert.equal(s.forgiveAbsent(new Set([slow, evil])), [], 'still listed: still out');
  assert.equal(s.forgiveAbsent(new Set()), [slow]);
  assert.not.ok(s.isOut(slow));
  assert.ok(s.isOut(evil));
  assert.equal(s.outNow(), [evil]);
  assert.equal(s.dropped().map((d) => d.reason), ['stalled', 'corrupt'], 'history keeps forgiven drops');
});

test.run();
