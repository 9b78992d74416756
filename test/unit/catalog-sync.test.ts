import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Catalog } from '../../src/catalog/catalog.js';
import { CatalogSync, type FetchedCatalog } from '../../src/catalog/catalog-sync.js';
import { asFileId, asPeerId, type PeerId } from '../../src/types.js';
import { withTimeout, waitFor } from '../support/with-timeout.js';

const me = asPeerId('aaaaaaaaaaaaaaaa');
const p2 = asPeerId('bbbbbbbbbbbbbbbb');
const file = (n: number) => ({ id: asFileId(String(n).repeat(64).slice(0, 64)), name: `f${n}`, size: n, chunkSize: 1048576 });

/** A fetcher driven by the test: each call waits until the test answers or fails it. */
function scriptedFetcher() {
  const calls: { peer: PeerId; resolve(c: FetchedCatalog): void; reject(e: Error): void }[] = [];
  const fetch = (peer: PeerId) => new Promise<FetchedCatalog>((resolve, reject) => calls.push({ peer, resolve, reject }));
  return { calls, fetch };
}

test('fetches on first sight and on a new revision only', withTimeout(5000, async () => {
  const cat = new Catalog({ id: me, name: 'me' });
  const f = scriptedFetcher();
  const sync = new CatalogSync(cat, f.fetch, () => {}, { minGapMs: 0 });
  try {
    sync.seen({ id: p2, name: 'p2', rev: 1 });
    sync.seen({ id: p2, name: 'p2', rev: 1 });
    assert.is(f.calls.length, 1, 'one fetch while one is in flight');
    f.calls[0]!.resolve({ rev: 1, files: [file(1)] });
    await waitFor(() => cat.fileCount(p2) === 1);
    sync.seen({ id: p2, name: 'p2', rev: 1 });
    assert.is(f.calls.length, 1, 'same revision: no refetch');
    sync.seen({ id: p2, name: 'p2', rev: 2 });
    assert.is(f.calls.length, 2);
    f.calls[1]!.resolve({ rev: 2, files: [file(1), file(2)] });
    await waitFor(() => cat.fileCount(p2) === 2);
  } finally {
    sync.close();
  }
}));

test('a failure retries; a new revision during the wait fetches at once; gone forgets', withTimeout(5000, async () => {
  const cat = new Catalog({ id: me, name: 'me' });
  const f = scriptedFetcher();
  const warnings: string[] = [];
  const sync = new CatalogSync(cat, f.fetch, (m) => warnings.push(m), { minGapMs: 0 });
  try {
    sync.seen({ id: p2, name: 'p2', rev: 1 });
    f.calls[0]!.reject(new Error('connection refused'));
    await waitFor(() => warnings.length === 1);
    assert.match(warnings[0]!, /catalog of p2 not fetched \(connection refused\)/);
    // The retry timer is pending (250 ms); a new revision must not wait for it.
    sync.seen({ id: p2, name: 'p2', rev: 5 });
    assert.is(f.calls.length, 2);
    f.calls[1]!.resolve({ rev: 5, files: [file(3)] });
    await waitFor(() => cat.fileCount(p2) === 1);
    sync.gone(p2);
    assert.is(cat.fileCount(p2), undefined);
  } finally {
    sync.close();
  }
}));

test('a fetch that completes after the peer left is dropped', withTimeout(5000, async () => {
  const cat = new Catalog({ id: me, name: 'me' });
  const f = scriptedFetcher();
  const sync = new CatalogSync(cat, f.fetch, () => {}, { minGapMs: 0 });
  try {
    sync.seen({ id: p2, name: 'p2', rev: 1 });
    sync.gone(p2);
    f.calls[0]!.resolve({ rev: 1, files: [file(1)] });
    await new Promise((r) => setImmediate(r));
    assert.is(cat.fileCount(p2), undefined);
  } finally {
    sync.close();
  }
}));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a revision below the announced one is kept and asked again only after a growing backoff', withTimeout(5000, async () => {
  // Issue 15 item 13: a peer announcing rev 999999999999999 and answering rev 1 was fetched 10,842 times in 5 s.
  const cat = new Catalog({ id: me, name: 'me' });
  let fetches = 0;
  const warnings: string[] = [];
  const fetch = async () => {
    fetches++;
    return { rev: 1, files: [file(1)] };
  };
  const sync = new CatalogSync(cat, fetch, (m) => warnings.push(m), { retryBaseMs: 20, retryMaxMs: 100, minGapMs: 0 });
  try {
    for (let i = 0; i < 50; i++) {
      sync.seen({ id: p2, name: 'liar', rev: 999999999999999 });
      await sleep(10);
    }
    assert.is(cat.fileCount(p2), 1, 'what it answered is still taken');
    // 500 ms of backoff from 20 ms doubling to 100 ms: about 7 fetches (the loop made thousands).
    assert.ok(fetches >= 2 && fetches <= 12, `${fetches} fetches`);
    assert.match(warnings[0]!, /^catalog of liar answered revision 1, below the announced 999999999999999; retrying in/);
  } finally {
    sync.close();
  }
}));

test('announcements cannot drive more than one fetch per gap, however fast the revision changes', withTimeout(5000, async () => {
  const cat = new Catalog({ id: me, name: 'me' });
  let fetches = 0;
  let rev = 1;
  let answered = 0;
  const fetch = async () => {
    fetches++;
    answered = rev;
    return { rev, files: [file(1)] };
  };
  const sync = new CatalogSync(cat, fetch, () => {}, { minGapMs: 100 });
  try {
    const t0 = Date.now();
    for (let i = 0; i < 100; i++) {
      sync.seen({ id: p2, name: 'bumper', rev: ++rev });
      await sleep(5);
    }
    await waitFor(() => cat.fileCount(p2) === 1);
    // One fetch per 100 ms gap of the time the announcements really took (a loaded machine stretches
    // 100 sleeps of 5 ms well past 500 ms), plus the first: never one per announcement.
    const ms = Date.now() - t0;
    const most = Math.ceil(ms / 100) + 2;
    assert.ok(fetches <= Math.max(8, most), `${fetches} fetches in ${ms} ms with a 100 ms gap (at most ${most})`);
    // The last revision is still fetched once the gap allows.
    await waitFor(() => answered === rev, { timeoutMs: 2000 });
  } finally {
    sync.close();
  }
}));

test.run();
