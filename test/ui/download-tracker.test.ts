// Structured download updates (from src/session/events.ts, shapes from src/transfer/download-types.ts)
// → the bars the UI shows: a running bar, a waiting one, the holders in use, and gone when it ends.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DownloadTracker } from '../../src/ui/download-tracker.js';
import type { DownloadProgress, DownloadStart } from '../../src/transfer/transfer-service.js';
import { asFileId } from '../../src/types.js';

const ID = asFileId('ab'.repeat(32));

function progress(over: Partial<DownloadProgress>): DownloadProgress {
  return { id: ID, name: 'big.iso', size: 4000, chunks: 4, chunksDone: 0, bytesDone: 0, percent: 0, rate: 0, holders: 0, known: 2, state: 'running', ...over };
}
const tick = (over: Partial<DownloadProgress>) => ({ type: 'progress' as const, progress: progress(over) });

test('start, progress, waiting, end: a bar that advances, then leaves', () => {
  const tracker = new DownloadTracker();
  const start: DownloadStart = { id: ID, name: 'big.iso', size: 4000, chunks: 4, kept: 1, holders: 2, via: 'command' };
  assert.ok(tracker.apply({ type: 'start', start }));
  assert.equal(tracker.list()[0], { key: ID, name: 'big.iso', size: 4000, bytes: 1000, rate: 0, holders: 0, known: 2, phase: 'running', note: 'connecting' });
  tracker.apply(tick({ bytesDone: 2000, chunksDone: 2, rate: 500, holders: 2 }));
  assert.equal(tracker.list()[0], { key: ID, name: 'big.iso', size: 4000, bytes: 2000, rate: 500, holders: 2, known: 2, phase: 'running', note: undefined });
  tracker.apply({ type: 'state', progress: progress({ bytesDone: 2000, state: 'waiting', holders: 0, known: 0 }) });
  assert.is(tracker.list()[0]!.phase, 'waiting');
  assert.is(tracker.list()[0]!.holders, 0);
  assert.not.ok(tracker.apply({ type: 'state', progress: progress({ state: 'done' }) }), 'done is not a bar');
  const failed = { type: 'failed' as const, failure: { id: ID, name: 'big.iso', error: 'disk full' } };
  assert.ok(tracker.apply(failed));
  assert.equal(tracker.list(), []);
  assert.not.ok(tracker.apply(failed), 'ending twice changes nothing');
});

test('a folder is one bar: its bytes, with files done / total as its note', () => {
  const tracker = new DownloadTracker();
  const start: DownloadStart = { id: ID, name: 'proj/', size: 4000, chunks: 2000, kept: 0, holders: 2, via: 'command', folder: { files: 2000, kept: 0, copied: 5, savedBytes: 10 } };
  tracker.apply({ type: 'start', start });
  assert.is(tracker.list()[0]!.note, '5/2000 files');
  tracker.apply(tick({ name: 'proj/', bytesDone: 3000, chunks: 2000, chunksDone: 1500, rate: 900, holders: 2, folder: { files: 2000, filesDone: 1500 } }));
  assert.equal(tracker.list().map((v) => [v.name, v.bytes, v.note]), [['proj/', 3000, '1500/2000 files']]);
  tracker.apply({ type: 'state', progress: progress({ name: 'proj/', state: 'verifying', folder: { files: 2000, filesDone: 2000 } }) });
  assert.is(tracker.list()[0]!.note, '2000/2000 files, verifying');
});

test('between two chunks no holder has a request out: while data arrives the bar does not say 0', () => {
  const tracker = new DownloadTracker();
  tracker.apply(tick({ bytesDone: 1000, rate: 800, holders: 2, known: 2 }));
  tracker.apply(tick({ bytesDone: 2000, rate: 900, holders: 0, known: 2 }));
  assert.is(tracker.list()[0]!.holders, 2, 'keeps the last count while bytes arrive');
  const fresh = new DownloadTracker();
  fresh.apply(tick({ bytesDone: 1000, rate: 800, holders: 0, known: 1 }));
  assert.is(fresh.list()[0]!.holders, 1, 'at least one holder is sending when bytes arrive');
  assert.ok(fresh.list()[0]!.known >= fresh.list()[0]!.holders);
  // Nothing arriving (rate 0, no new bytes): 0 is the truth.
  fresh.apply(tick({ bytesDone: 1000, rate: 0, holders: 0, known: 1 }));
  assert.is(fresh.list()[0]!.holders, 0);
});

test.run();
