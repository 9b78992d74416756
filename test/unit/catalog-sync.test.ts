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
  const sync = new CatalogSync(cat, f.fetch, () => {});
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
  const sync = new CatalogSync(cat, f.fetch, (m) => warnings.push(m));
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
  const sync = new CatalogSync(cat, f.fetch, () => {});
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

test.run();
