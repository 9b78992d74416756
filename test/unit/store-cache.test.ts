// The manifest cache (restart re-hashes nothing unchanged, corrupt cache ignored) and the peer id file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManifestCache } from '../../src/store/manifest-cache.js';
import { LocalStore } from '../../src/store/local-store.js';
import { Hasher } from '../../src/store/hasher.js';
import { loadOrCreatePeerId } from '../../src/store/peer-id.js';
import { sha256Hex } from '../../src/store/manifest.js';
import { PEER_ID_RE } from '../../src/types.js';
import { withTimeout } from '../support/with-timeout.js';
import { makeTmpDir } from '../support/tmp-dir.js';

const H = sha256Hex('x');

test(
  'ManifestCache: round trip, exact key match, retain, atomic write',
  withTimeout(5000, async () => {
    const tmp = await makeTmpDir();
    try {
      const file = join(tmp.path, 'manifests.json');
      const warnings: string[] = [];
      const c = await ManifestCache.load(file, (m) => warnings.push(m));
      assert.is(c.size, 0);
      c.set('shared/a b.txt', { size: 5, mtimeMs: 1234.5678, chunkSize: 4, hashes: [H, H] });
      c.set('shared/gone', { size: 0, mtimeMs: 1, chunkSize: 4, hashes: [] });
      c.retain(new Set(['shared/a b.txt']));
      await c.save();
      assert.equal(await readdir(tmp.path), ['manifests.json']);
      const d = await ManifestCache.load(file, (m) => warnings.push(m));
      assert.is(d.size, 1);
      assert.equal(d.get('shared/a b.txt', 5, 1234.5678, 4), [H, H]);
      assert.is(d.get('shared/a b.txt', 5, 1234.5679, 4), undefined);
      assert.is(d.get('shared/a b.txt', 6, 1234.5678, 4), undefined);
      assert.is(d.get('shared/a b.txt', 5, 1234.5678, 8), undefined);
      assert.is(d.get('shared/gone', 0, 1, 4), undefined);
      assert.equal(warnings, []);
    } finally {
      await tmp.remove();
    }
  }),
);

test(
  'ManifestCache: corrupt file or malformed entries are ignored with a warning',
  withTimeout(5000, async () => {
    const tmp = await makeTmpDir();
    try {
      const file = join(tmp.path, 'manifests.json');
      for (const text of ['{not json', '[]', '{"v":99,"entries":{}}', '{"v":1,"entries":7}', '\0\0\0']) {
        await writeFile(file, text);
        const warnings: string[] = [];
        const c = await ManifestCache.load(file, (m) => warnings.push(m));
        assert.is(c.size, 0, text);
        assert.is(warnings.length, 1, text);
        assert.match(warnings[0]!, /manifest cache/);
      }
      const good = { size: 5, mtimeMs: 1, chunkSize: 4, hashes: [H, H] };
      await writeFile(
        file,
        JSON.stringify({
          v: 1,
          entries: { ok: good, short: { ...good, hashes: [H] }, bad: { ...good, hashes: ['zz', H] }, neg: { ...good, size: -5 } },
        }),
      );
      const warnings: string[] = [];
      const c = await ManifestCache.load(file, (m) => warnings.push(m));
      assert.is(c.size, 1);
      assert.equal(c.get('ok', 5, 1, 4), [H, H]);
      assert.is(warnings.length, 1);
      await c.save();
      assert.is(Object.keys(JSON.parse(await readFile(file, 'utf8')).entries).length, 1);
    } finally {
      await tmp.remove();
    }
  }),
);

async function fillPeer(dir: string): Promise<void> {
  await mkdir(join(dir, 'shared', 'sub'), { recursive: true });
  await mkdir(join(dir, 'downloads'), { recursive: true });
  const old = new Date(Date.now() - 60_000);
  const files: [string, Buffer][] = [
    ['shared/a.bin', randomBytes(300_000)],
    ['shared/sub/b.txt', Buffer.from('hello world')],
    ['shared/empty', Buffer.alloc(0)],
    ['downloads/c.bin', randomBytes(70_000)],
  ];
  for (const [rel, data] of files) {
    await writeFile(join(dir, rel), data);
    await utimes(join(dir, rel), old, old);
  }
}

test(
  'a restart re-hashes nothing that did not change, and only what did',
  withTimeout(10000, async () => {
    const tmp = await makeTmpDir();
    const h1 = new Hasher();
    const h2 = new Hasher();
    try {
      await fillPeer(tmp.path);
      const s1 = await LocalStore.open({ dir: tmp.path, chunkSize: 65536, hasher: h1, pollMs: 0 });
      await s1.start();
      const before = s1.files().map((f) => [f.relPath, f.manifest.id]);
      await s1.close();
      assert.is(h1.requests, 4);
      assert.is(before.length, 4);

      const s2 = await LocalStore.open({ dir: tmp.path, chunkSize: 65536, hasher: h2, pollMs: 0 });
      try {
        await s2.start();
        assert.equal(s2.files().map((f) => [f.relPath, f.manifest.id]), before);
        assert.is(h2.requests, 0, 'no file re-hashed after a restart');
        const old = new Date(Date.now() - 30_000);
        await writeFile(join(tmp.path, 'shared/sub/b.txt'), 'hello there');
        await utimes(join(tmp.path, 'shared/sub/b.txt'), old, old);
        await s2.rescan();
        assert.is(h2.requests, 1, 'only the changed file re-hashed');
        assert.is.not(s2.files().find((f) => f.relPath === 'shared/sub/b.txt')?.manifest.id, before[3]![1]);
      } finally {
        await s2.close();
      }
      // A different chunk size is a different manifest: everything is hashed again.
      const h3 = new Hasher();
      const s3 = await LocalStore.open({ dir: tmp.path, chunkSize: 4096, hasher: h3, pollMs: 0 });
      await s3.start();
      await s3.close();
      await h3.close();
      assert.is(h3.requests, 4);
    } finally {
      await h1.close();
      await h2.close();
      await tmp.remove();
    }
  }),
);

test(
  'a corrupt cache file is ignored with a warning; the index is rebuilt and the cache rewritten',
  withTimeout(10000, async () => {
    const tmp = await makeTmpDir();
    const hasher = new Hasher();
    try {
      await fillPeer(tmp.path);
      await mkdir(join(tmp.path, '.lanmesh'), { recursive: true });
      const cacheFile = join(tmp.path, '.lanmesh', 'manifests.json');
      await writeFile(cacheFile, '{"v":1,"entries":{"shared/a.bin":{"size":3');
      const store = await LocalStore.open({ dir: tmp.path, chunkSize: 65536, hasher, pollMs: 0 });
      const warnings: string[] = [];
      store.on('warning', (m) => warnings.push(m));
      try {
        await store.start();
        assert.is(store.files().length, 4);
        assert.is(hasher.requests, 4);
        assert.is(warnings.length, 1);
        assert.match(warnings[0]!, /corrupt manifest cache/);
      } finally {
        await store.close();
      }
      assert.is(Object.keys(JSON.parse(await readFile(cacheFile, 'utf8')).entries).length, 4);
    } finally {
      await hasher.close();
      await tmp.remove();
    }
  }),
);

test(
  'peer id: 16 hex chars, created once, kept across calls, a corrupt one replaced',
  withTimeout(5000, async () => {
    const tmp = await makeTmpDir();
    try {
      const a = await loadOrCreatePeerId(tmp.path);
      assert.match(a, PEER_ID_RE);
      assert.is(await loadOrCreatePeerId(tmp.path), a);
      assert.is((await readFile(join(tmp.path, '.lanmesh', 'peer-id'), 'utf8')).trim(), a);
      const [x, y] = await Promise.all([loadOrCreatePeerId(tmp.path), loadOrCreatePeerId(tmp.path)]);
      assert.is(x, a);
      assert.is(y, a);
      await writeFile(join(tmp.path, '.lanmesh', 'peer-id'), 'garbage');
      const b = await loadOrCreatePeerId(tmp.path);
      assert.match(b, PEER_ID_RE);
      assert.is(await loadOrCreatePeerId(tmp.path), b);
      assert.equal(await readdir(join(tmp.path, '.lanmesh')), ['peer-id']);

      const fresh = await makeTmpDir();
      try {
        const ids = await Promise.all([1, 2, 3].map(() => loadOrCreatePeerId(fresh.path)));
        assert.ok(ids.every((i) => i === ids[0]), 'concurrent first starts agree on one id');
      } finally {
        await fresh.remove();
      }
    } finally {
      await tmp.remove();
    }
  }),
);

test.run();
