// FileIndex.reconcile against put(): a scan listed before a file was put (a finished download
// indexed by addFile while the walk ran) must not drop it; the next scan judges it as usual.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FileIndex } from '../../src/store/file-index.js';
import type { FileHasher } from '../../src/store/hasher.js';
import type { ManifestCache } from '../../src/store/manifest-cache.js';

const noHasher: FileHasher = {
  hash: () => Promise.reject(new Error('nothing should be hashed')),
  close: () => Promise.resolve(),
};
const memoryCache = (): ManifestCache => {
  const m = new Map<string, string[]>();
  return {
    get: (rel: string) => m.get(rel),
    set: (rel: string, e: { hashes: string[] }) => void m.set(rel, e.hashes),
    retain: () => false,
  } as unknown as ManifestCache;
};

test('a file put after a scan was listed survives that scan; a later scan that misses it drops it', async () => {
  const ac = new AbortController();
  const index = new FileIndex({
    chunkSize: 1024, hasher: noHasher, cache: memoryCache(), settleMs: 0,
    onChange: () => undefined, onStale: () => undefined, onWarning: (w) => assert.unreachable(w), signal: ac.signal,
  });
  const f = { path: '/p/downloads/a.bin', relPath: 'downloads/a.bin', origin: 'downloads' as const, size: 3, mtimeMs: 1 };
  const listedBefore = index.mark();
  index.put(f, ['a'.repeat(64)]);
  assert.equal(index.reconcile([], listedBefore), [], 'nothing to hash');
  assert.is(index.files().length, 1, 'kept: the listing predates it');
  index.reconcile([], index.mark());
  assert.is(index.files().length, 0, 'a scan after the put that does not see it drops it');
  ac.abort();
});

test.run();
