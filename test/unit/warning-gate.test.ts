import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WarningGate } from '../../src/warning-gate.js';

test('one line per distinct warning per window', () => {
  let now = 1000;
  const g = new WarningGate(30_000, () => now);
  assert.ok(g.admit('bad packet from 10.0.0.9'));
  assert.not.ok(g.admit('bad packet from 10.0.0.9'));
  assert.ok(g.admit('bad packet from 10.0.0.7'));
  now += 29_999;
  assert.not.ok(g.admit('bad packet from 10.0.0.9'));
  now += 2;
  assert.ok(g.admit('bad packet from 10.0.0.9'));
});

test('held warnings are drained once, and the backlog is bounded', () => {
  const g = new WarningGate();
  for (let i = 0; i < 80; i++) g.hold(`w${i}`);
  const first = g.drain();
  assert.is(first.length, 50);
  assert.is(first[0], 'w0');
  assert.equal(g.drain(), []);
});

test.run();
