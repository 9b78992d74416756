// The download events a Peer emits (shapes from src/transfer/download-types.ts) → what the UI shows:
// a running bar, a waiting one, a warning for a dropped holder, a summary when done, a failure line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import { DownloadTracker } from '../../src/ui/download-tracker.js';
import type { Notice } from '../../src/ui/use-peer-state.js';
import type { DownloadProgress, DownloadStart, DownloadSummary } from '../../src/transfer/transfer-service.js';
import { asFileId, asPeerId } from '../../src/types.js';

const ID = asFileId('ab'.repeat(32));

class PeerEvents extends EventEmitter {
  readonly dir = '/peers/p1';
  running: DownloadProgress[] = [];
  downloads(): DownloadProgress[] {
    return this.running;
  }
}

function progress(over: Partial<DownloadProgress>): DownloadProgress {
  return { id: ID, name: 'big.iso', size: 4000, chunks: 4, chunksDone: 0, bytesDone: 0, percent: 0, rate: 0, holders: 0, known: 2, state: 'running', ...over };
}

function setup(src = new PeerEvents()) {
  const notices: Array<Pick<Notice, 'level' | 'text' | 'finished'>> = [];
  let changes = 0;
  const tracker = new DownloadTracker(src as never, {
    onChange: () => changes++,
    onNotice: (level, text, finished) => notices.push({ level, text, finished }),
  });
  return { src, tracker, notices, changes: () => changes };
}

test('start, progress, waiting, done: a bar that advances and a summary at the end', () => {
  const { src, tracker, notices, changes } = setup();
  const start: DownloadStart = { id: ID, name: 'big.iso', size: 4000, chunks: 4, kept: 1, holders: 2, via: 'command' };
  src.emit('download:start', start);
  assert.equal(tracker.list()[0], { key: ID, name: 'big.iso', size: 4000, bytes: 1000, rate: 0, holders: 0, known: 2, phase: 'running', note: 'connecting' });
  src.emit('download:progress', progress({ bytesDone: 2000, chunksDone: 2, rate: 500, holders: 2 }));
  assert.equal(tracker.list()[0], { key: ID, name: 'big.iso', size: 4000, bytes: 2000, rate: 500, holders: 2, known: 2, phase: 'running', note: undefined });
  src.emit('download:state', progress({ bytesDone: 2000, state: 'waiting', holders: 0, known: 0 }));
  assert.is(tracker.list()[0]!.phase, 'waiting');
  src.emit('download:dropped', { id: ID, file: 'big.iso', peer: asPeerId('cd'.repeat(8)), name: 'evil', address: '10.77.0.9', reason: 'sent chunk 3 with a wrong hash' });
  const summary: DownloadSummary = {
    id: ID, name: 'big.iso', path: '/peers/p1/downloads/big.iso', size: 4000, ms: 2000, rate: 2000,
    shares: [{ peer: asPeerId('ef'.repeat(8)), name: 'peer2', bytes: 3000, chunks: 3 }], kept: 1, fetched: 3, refetched: 0, duplicates: 0, dropped: [],
  };
  src.emit('download:done', summary);
  assert.equal(tracker.list(), []);
  assert.is(notices.length, 2);
  assert.is(notices[0]!.level, 'warning');
  assert.match(notices[0]!.text, /dropped evil \(10\.77\.0\.9\).*wrong hash/);
  assert.is(notices[1]!.level, 'success');
  assert.match(notices[1]!.text, /^downloaded big\.iso: 3\.9 KiB in 2\.00 s .*→ downloads\/big\.iso; from peer2/);
  assert.equal(notices[1]!.finished, { name: 'big.iso', size: 4000 });
  assert.ok(changes() >= 3);
  tracker.close();
});

test('a failure is one warning; a resumed download found at start is shown at once', () => {
  const src = new PeerEvents();
  src.running = [progress({ bytesDone: 3000, holders: 1, rate: 10 })];
  const { tracker, notices } = setup(src);
  assert.is(tracker.list()[0]!.bytes, 3000);
  src.emit('download:failed', { id: ID, name: 'big.iso', error: 'disk full' });
  assert.equal(tracker.list(), []);
  assert.equal(notices, [{ level: 'warning', text: 'download big.iso failed: disk full', finished: undefined }]);
  tracker.close();
  src.emit('download:progress', progress({ bytesDone: 10 }));
  assert.equal(tracker.list(), [], 'closed trackers do not listen');
  assert.is(src.listenerCount('download:progress'), 0);
});

test.run();
