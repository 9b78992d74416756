// UploadTally: rows per requester session and file, one report when the session closes, nothing for
// a file of which no byte was sent, and the live-row timer stops once nothing moves.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { UploadTally, type UploadEvent } from '../../src/transfer/upload-tally.js';
import type { FileId } from '../../src/types.js';

const A = 'a'.repeat(64) as FileId;
const B = 'b'.repeat(64) as FileId;

function tally(everyMs = 10) {
  const t = new UploadTally({
    file: (id) => (id === A ? { name: 'big.bin', size: 3000 } : { name: 'small.txt', size: 10 }),
    requester: (address, port) => (address === '10.0.0.2' && port === 9001 ? 'peer2' : undefined),
    everyMs,
  });
  const events: UploadEvent[] = [];
  t.on('upload', (e) => events.push(e));
  return { t, events };
}

test('a session sent two chunks of one file: a row while open, one done report at close', () => {
  const { t, events } = tally();
  const s = {};
  t.begin(s, 'tok1', A, '10.0.0.2', 9001);
  t.begin(s, 'tok2', A, '10.0.0.2', 9001);
  t.sent('tok1', 1000);
  t.sent('tok2', 1000);
  assert.equal(t.rows().map((r) => [r.name, r.to, r.bytes, r.size]), [['big.bin', 'peer2', 2000, 3000]]);
  t.end(s);
  const done = events.filter((e) => e.type === 'done');
  assert.is(done.length, 1);
  assert.equal(done[0]!.type === 'done' && { ...done[0]!.done, ms: 0 }, { id: A, name: 'big.bin', to: 'peer2', bytes: 2000, size: 3000, chunks: 2, ms: 0 });
  assert.equal(t.rows(), []);
  t.close();
});

test('files.get batches of a session are one row, named by the files sent, and one report at close', () => {
  const { t, events } = tally();
  const s = {};
  t.beginFiles(s, 'batch1', [A, B], '10.0.0.2', 9001);
  t.beginFiles(s, 'batch2', [B], '10.0.0.2', 9001);
  t.sent('batch1', 3000);
  assert.equal(t.rows().map((r) => [r.name, r.to, r.bytes, r.size]), [['1 file', 'peer2', 3000, 3020]]);
  t.sent('batch1', 10);
  t.sent('batch2', 10);
  t.end(s);
  const done = events.filter((e) => e.type === 'done');
  assert.is(done.length, 1);
  assert.equal(done[0]!.type === 'done' && { ...done[0]!.done, ms: 0 }, { id: A, name: '3 files', to: 'peer2', bytes: 3020, size: 3020, chunks: 3, ms: 0 });
  assert.equal(t.rows(), []);
  // The tokens are forgotten with the session: late bytes count nowhere.
  t.sent('batch1', 5);
  assert.equal(t.rows(), []);
  t.close();
});

test('an unknown requester is named by address:port; a file with no byte sent stays silent', () => {
  const { t, events } = tally();
  const s = {};
  t.begin(s, 't1', A, '10.0.0.9', 9005);
  t.begin(s, 't2', B, '10.0.0.9', 9005);
  t.sent('t2', 10);
  t.sent('unknown-token', 99);
  t.end(s);
  const done = events.flatMap((e) => (e.type === 'done' ? [e.done] : []));
  assert.equal(done.map((d) => [d.name, d.to, d.bytes]), [['small.txt', '10.0.0.9:9005', 10]]);
  t.end(s);
  assert.is(events.filter((e) => e.type === 'done').length, 1, 'a second end reports nothing');
  t.close();
});

test('live rows come while bytes flow; the end reports done, then the empty rows', async () => {
  const { t, events } = tally(5);
  // The tally's timer does not hold the process open; this test's wait must.
  const hold = setTimeout(() => {}, 5000);
  try {
    const s = {};
    t.begin(s, 'x', A, '10.0.0.2', 9001);
    t.sent('x', 500);
    const [first] = (await once(t, 'upload')) as [UploadEvent];
    assert.equal(first.type === 'rows' && first.rows.map((r) => r.bytes), [500]);
    events.length = 0;
    t.end(s);
    assert.equal(events.map((e) => e.type), ['done', 'rows']);
    assert.equal(events[1]!.type === 'rows' && events[1]!.rows, []);
  } finally {
    clearTimeout(hold);
    t.close();
  }
});

test.run();
