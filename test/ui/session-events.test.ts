// The shared session over a peer's events (src/session/events.ts), which line mode and the UI both
// use: the lines it words, the structured download updates, the resume after listening, and close().
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import { attachSession, type SessionLine, type SessionPeer } from '../../src/session/events.js';
import type { DownloadEvent, DownloadProgress, DownloadSummary } from '../../src/transfer/transfer-service.js';
import { asFileId, asPeerId } from '../../src/types.js';
import { withTimeout } from '../support/with-timeout.js';

const ID = asFileId('ab'.repeat(32));
const remote = (name: string, n: number) => ({ id: asPeerId(String(n).repeat(16)), name, address: `10.77.0.${n}` });

/** The event surface of a Peer (the real Peer is an EventEmitter with these events). */
class PeerEvents extends EventEmitter {
  readonly dir = '/peers/p1';
  found = [remote('early', 5)];
  resumes = 0;
  /** 'download' listeners present when resumeDownloads() was called. */
  listeningAtResume = -1;
  resumeResult: Promise<void> = Promise.resolve();
  peers() {
    return this.found as never;
  }
  resumeDownloads(): Promise<void> {
    this.resumes++;
    this.listeningAtResume = this.listenerCount('download');
    return this.resumeResult;
  }
}

function setup(src = new PeerEvents()) {
  const lines: SessionLine[] = [];
  const updates: DownloadEvent[] = [];
  let meshChanges = 0;
  const session = attachSession(src as unknown as SessionPeer, {
    line: (l) => lines.push(l),
    download: (u) => updates.push(u),
    mesh: () => meshChanges++,
  });
  return { src, session, lines, updates, mesh: () => meshChanges };
}

const progress = (over: Partial<DownloadProgress>): DownloadProgress => ({
  id: ID, name: 'big.iso', size: 4000, chunks: 4, chunksDone: 2, bytesDone: 2000, percent: 50, rate: 0, holders: 0, known: 1, state: 'running', ...over,
});

test('resumes partial downloads once, after it listens to download events', withTimeout(5000, async () => {
  const { src, session } = setup();
  assert.is(src.resumes, 1);
  assert.is(src.listeningAtResume, 1, 'download events were heard before resuming');
  session.close();
  const failing = new PeerEvents();
  failing.resumeResult = Promise.reject(new Error('partial folder unreadable'));
  const { lines, session: s2 } = setup(failing);
  await new Promise((r) => setImmediate(r));
  assert.equal(lines.at(-1), { level: 'warning', text: 'cannot resume downloads: partial folder unreadable' });
  s2.close();
}));

test('peers, warnings and index notices become lines; the mesh hook hears peers and catalogs', () => {
  const { src, session, lines, mesh } = setup();
  assert.equal(lines, [{ level: 'info', text: 'peer up: early 10.77.0.5' }], 'peers found before attaching');
  src.emit('peer:up', remote('peer2', 2));
  src.emit('peer:down', remote('peer2', 2), 'goodbye');
  src.emit('warning', 'mdns: bad packet');
  src.emit('notice', 'p2pci: sent RFC 791 (12 bytes) to 127.0.0.1:5000');
  src.emit('catalog');
  assert.equal(lines.slice(1), [
    { level: 'info', text: 'peer up: peer2 10.77.0.2' },
    { level: 'info', text: 'peer down: peer2 (goodbye)' },
    { level: 'warning', text: 'mdns: bad packet' },
    { level: 'info', text: 'p2pci: sent RFC 791 (12 bytes) to 127.0.0.1:5000' },
  ]);
  assert.is(mesh(), 3);
  session.close();
});

test('download events: structured updates, and lines for resume, waiting, back, dropped, done, failed', () => {
  const { src, session, lines, updates } = setup();
  lines.length = 0;
  const emit = (e: DownloadEvent) => src.emit('download', e);
  emit({ type: 'start', start: { id: ID, name: 'big.iso', size: 4000, chunks: 4, kept: 2, holders: 0, via: 'resume' } });
  emit({ type: 'progress', progress: progress({ rate: 100, holders: 1 }) });
  emit({ type: 'state', progress: progress({ state: 'waiting' }) });
  emit({ type: 'state', progress: progress({ state: 'waiting' }) });
  emit({ type: 'state', progress: progress({ state: 'running' }) });
  emit({ type: 'dropped', dropped: { id: ID, file: 'big.iso', peer: asPeerId('cd'.repeat(8)), name: 'evil', address: '10.77.0.9', reason: 'sent chunk 3, which failed verification' } });
  const summary: DownloadSummary = {
    id: ID, name: 'big.iso', path: '/peers/p1/downloads/big.iso', size: 4000, ms: 2000, rate: 2000,
    shares: [{ peer: asPeerId('ef'.repeat(8)), name: 'peer2', bytes: 2000, chunks: 2 }], kept: 2, fetched: 2, refetched: 0, duplicates: 0, dropped: [],
  };
  emit({ type: 'done', summary });
  emit({ type: 'failed', failure: { id: ID, name: 'other.bin', error: 'disk full' } });
  assert.equal(updates.map((u) => (u.type === 'progress' || u.type === 'state' ? `${u.type}:${u.progress.state}` : u.type)), [
    'start', 'progress:running', 'state:waiting', 'state:waiting', 'state:running', 'dropped', 'done', 'failed',
  ]);
  assert.equal(lines.map((l) => `${l.level} ${l.text.split(';')[0]}`), [
    'info resuming big.iso (3.9 KiB, 4 chunks): 2/4 chunks already here, no holder reachable yet: waiting for one',
    'info download big.iso: waiting for a holder (2/4 chunks here)',
    'info download big.iso: a holder is back, going on',
    'warning download big.iso: dropped evil (10.77.0.9) from this download: it sent chunk 3, which failed verification',
    'success downloaded big.iso: 3.9 KiB in 2.00 s (2.0 KiB/s) → downloads/big.iso',
    'warning download other.bin failed: disk full',
  ]);
  assert.equal(lines[4]!.finished, { name: 'big.iso', size: 4000 });
  session.close();
});

test('close() removes every listener it added, once', () => {
  const { src, session, lines } = setup();
  const before = src.eventNames().length;
  assert.ok(before >= 6);
  session.close();
  session.close();
  assert.equal(src.eventNames(), []);
  src.emit('notice', 'late');
  assert.not.ok(lines.some((l) => l.text === 'late'));
});

test.run();
