// The backstop rescan's period: the configured poll for a small folder, stretched for one whose
// rescan takes long (every rescan lstats every file), and no poll when it is disabled.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FolderWatch, backstopDelay } from '../../src/store/watch.js';
import { withTimeout } from '../support/with-timeout.js';

test('backstopDelay: the poll period until a rescan costs more than a 50th of it', () => {
  assert.is(backstopDelay(3000, 5), 3000);
  assert.is(backstopDelay(3000, 60), 3000);
  assert.is(backstopDelay(3000, 61), 3050);
  assert.is(backstopDelay(3000, 700), 35_000);
  assert.is(backstopDelay(3000, -1), 3000);
});

test('FolderWatch follows the last rescan it was told of; 0 disables the backstop', () => {
  const w = new FolderWatch({ onChange: () => undefined, onWarning: () => undefined, debounceMs: 10, pollMs: 3000 });
  try {
    assert.is(w.pollPeriod, 3000);
    w.scanTook(1000);
    assert.is(w.pollPeriod, 50_000);
    w.scanTook(2);
    assert.is(w.pollPeriod, 3000, 'back to the configured period once rescans are cheap again');
  } finally {
    w.close();
  }
  const off = new FolderWatch({ onChange: () => undefined, onWarning: () => undefined, debounceMs: 10, pollMs: 0 });
  off.scanTook(1000);
  assert.is(off.pollPeriod, 0);
  off.close();
});

test('the backstop still fires: a missed event is caught by the poll', withTimeout(5000, async () => {
  let fired!: () => void;
  const first = new Promise<void>((r) => (fired = r));
  const w = new FolderWatch({ onChange: () => fired(), onWarning: () => undefined, debounceMs: 10, pollMs: 5 });
  try {
    await first;
  } finally {
    w.close();
  }
}));

test.run();
