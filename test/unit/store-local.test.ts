// LocalStore: folder checks, the index (ids, duplicates, chunk reads) and live updates from the watcher.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { LocalStore } from '../../src/store/local-store.js';
import { Hasher } from '../../src/store/hasher.js';
import { buildManifest, sha256Hex } from '../../src/store/manifest.js';
import { asFileId } from '../../src/types.js';
import { isLanmeshError, type ErrorCode } from '../../src/errors.js';
import { withTimeout } from '../support/with-timeout.js';
import { makeTmpDir } from '../support/tmp-dir.js';

const CS = 65536;

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e ?? new Error('rejected with nothing'),
  );
}
function assertCode(e: unknown, code: ErrorCode): void {
  assert.ok(isLanmeshError(e, code), `expected ${code}, got ${String(e)}`);
}

/** Resolves (with the elapsed ms) at the first `change` event after which `ok()` holds. */
function changeUntil(store: LocalStore, ok: () => boolean): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const on = () => {
      if (!ok()) return;
      store.off('change', on);
      resolve(performance.now() - t0);
    };
    store.on('change', on);
  });
}

async function old(path: string): Promise<void> {
  const t = new Date(Date.now() - 60_000);
  await utimes(path, t, t);
}

test(
  'open() refuses an unusable folder with FOLDER_UNUSABLE and creates the layout',
  withTimeout(5000, async () => {
    const tmp = await makeTmpDir();
    try {
      const missing = join(tmp.path, 'missing');
      const e1 = await failure(LocalStore.open({ dir: missing }));
      assertCode(e1, 'FOLDER_UNUSABLE');
      assert.ok((e1 as Error).message.includes(missing));
      const file = join(tmp.path, 'file');
      await writeFile(file, 'x');
      assertCode(await failure(LocalStore.open({ dir: file })), 'FOLDER_UNUSABLE');
      const blocked = join(tmp.path, 'blocked');
      await mkdir(blocked);
      await writeFile(join(blocked, 'shared'), 'a file where a folder should be');
      assertCode(await failure(LocalStore.open({ dir: blocked })), 'FOLDER_UNUSABLE');
      assertCode(await failure(LocalStore.open({ dir: tmp.path, chunkSize: 0 })), 'BAD_CONFIG');
      const peer = join(tmp.path, 'peer');
      await mkdir(peer);
      const store = await LocalStore.open({ dir: peer });
      await store.close();
      for (const sub of ['shared', 'downloads', '.lanmesh']) {
        await writeFile(join(peer, sub, 'probe'), 'ok');
      }
    } finally {
      await tmp.remove();
    }
  }),
);

test(
  'indexes shared/ and downloads/; same bytes under two names share an id; readChunk serves bytes',
  withTimeout(10000, async () => {
    const tmp = await makeTmpDir();
    const store = await LocalStore.open({ dir: tmp.path, chunkSize: CS, pollMs: 0 });
    try {
      const data = randomBytes(3 * CS + 5);
      await mkdir(join(tmp.path, 'shared', 'sub'), { recursive: true });
      for (const rel of ['shared/one.bin', 'shared/sub/same bytes.dat', 'downloads/copy.bin']) {
        await writeFile(join(tmp.path, rel), data);
        await old(join(tmp.path, rel));
      }
      await writeFile(join(tmp.path, 'shared', 'small.txt'), 'small');
      await old(join(tmp.path, 'shared', 'small.txt'));
      await writeFile(join(tmp.path, 'downloads', '.lanmesh-inflight'), 'temp');
      const rev0 = store.revision();
      await store.start();
      assert.ok(store.revision() > rev0);

      const files = store.files();
      assert.equal(
        files.map((f) => [f.relPath, f.origin, f.manifest.name]),
        [
          ['downloads/copy.bin', 'downloads', 'copy.bin'],
          ['shared/one.bin', 'shared', 'one.bin'],
          ['shared/small.txt', 'shared', 'small.txt'],
          ['shared/sub/same bytes.dat', 'shared', 'same bytes.dat'],
        ],
      );
      const hashes = [0, 1, 2, 3].map((i) => sha256Hex(data.subarray(i * CS, (i + 1) * CS)));
      const id = buildManifest('any', data.length, CS, hashes).id;
      const same = files.filter((f) => f.manifest.id === id);
      assert.is(same.length, 3, 'one id, three holders');
      assert.is(files[0]!.path, join(tmp.path, 'downloads', 'copy.bin'));
      assert.ok(store.byId(id));

      assert.equal(await store.readChunk(id, 0), data.subarray(0, CS));
      assert.equal(await store.readChunk(id, 3), data.subarray(3 * CS));
      assertCode(await failure(store.readChunk(id, 4)), 'NOT_FOUND');
      assertCode(await failure(store.readChunk(id, -1)), 'NOT_FOUND');
      assertCode(await failure(store.readChunk(asFileId('0'.repeat(64)), 0)), 'NOT_FOUND');

      // A holder that changed on disk is not served; another holder of the same id is.
      const one = join(tmp.path, 'downloads', 'copy.bin');
      await writeFile(one, randomBytes(data.length));
      assert.equal(await store.readChunk(id, 1), data.subarray(CS, 2 * CS));
    } finally {
      await store.close();
      await tmp.remove();
    }
  }),
);

test(
  'watching: add, change, remove (subfolders too) are reflected with a change event within ~1 s',
  withTimeout(15000, async () => {
    const tmp = await makeTmpDir();
    // pollMs 0: only the watchers can notice these changes.
    const store = await LocalStore.open({ dir: tmp.path, chunkSize: CS, pollMs: 0 });
    try {
      await store.start();
      assert.equal(store.files(), []);
      const find = (rel: string) => store.files().find((f) => f.relPath === rel);
      const times: Record<string, number> = {};

      const a = join(tmp.path, 'shared', 'a.txt');
      let wait = changeUntil(store, () => find('shared/a.txt')?.manifest.size === 5);
      await writeFile(a, 'hello');
      times.add = await wait;
      const firstId = find('shared/a.txt')!.manifest.id;
      const rev = store.revision();

      wait = changeUntil(store, () => find('shared/a.txt')?.manifest.size === 11);
      await writeFile(a, 'hello again');
      times.change = await wait;
      assert.is.not(find('shared/a.txt')!.manifest.id, firstId);
      assert.ok(store.revision() > rev);

      wait = changeUntil(store, () => find('downloads/x/y/deep.bin') !== undefined);
      await mkdir(join(tmp.path, 'downloads', 'x', 'y'), { recursive: true });
      await writeFile(join(tmp.path, 'downloads', 'x', 'y', 'deep.bin'), randomBytes(1000));
      times.subfolder = await wait;

      wait = changeUntil(store, () => find('downloads/x/y/later.bin') !== undefined);
      await writeFile(join(tmp.path, 'downloads', 'x', 'y', 'later.bin'), 'watched after re-attach');
      times.inNewFolder = await wait;

      wait = changeUntil(store, () => find('shared/renamed.txt') !== undefined && !find('shared/a.txt'));
      await rename(a, join(tmp.path, 'shared', 'renamed.txt'));
      times.rename = await wait;

      wait = changeUntil(store, () => store.files().length === 1);
      await rm(join(tmp.path, 'downloads', 'x'), { recursive: true });
      times.removeFolder = await wait;

      wait = changeUntil(store, () => store.files().length === 0);
      await rm(join(tmp.path, 'shared', 'renamed.txt'));
      times.remove = await wait;

      // shared/ itself deleted and made again: the new folder is watched, not the dead one.
      wait = changeUntil(store, () => find('shared/keep.txt') !== undefined);
      await writeFile(join(tmp.path, 'shared', 'keep.txt'), 'soon gone');
      await wait;
      wait = changeUntil(store, () => store.files().length === 0);
      await rm(join(tmp.path, 'shared'), { recursive: true });
      await mkdir(join(tmp.path, 'shared'));
      await wait;
      wait = changeUntil(store, () => find('shared/after-recreate.txt') !== undefined);
      await writeFile(join(tmp.path, 'shared', 'after-recreate.txt'), 'new folder, new watch');
      times.recreatedFolder = await wait;

      console.log(`    latency ms: ${Object.entries(times).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
      for (const [k, v] of Object.entries(times)) assert.ok(v < 1500, `${k} took ${v.toFixed(0)} ms`);
    } finally {
      await store.close();
      await tmp.remove();
    }
  }),
);

test(
  'a file still being written is offered only once it settles, with its final content',
  withTimeout(10000, async () => {
    const tmp = await makeTmpDir();
    const store = await LocalStore.open({ dir: tmp.path, chunkSize: CS, pollMs: 0 });
    try {
      await store.start();
      const seen: number[] = [];
      store.on('change', () => store.files().forEach((f) => seen.push(f.manifest.size)));
      const p = join(tmp.path, 'shared', 'growing.bin');
      const parts = Array.from({ length: 10 }, () => randomBytes(20_000));
      const done = changeUntil(store, () => store.files()[0]?.manifest.size === 200_000);
      for (const part of parts) {
        await appendFile(p, part);
        await new Promise((r) => setTimeout(r, 40)); // a slow writer
      }
      await done;
      const whole = Buffer.concat(parts);
      const f = store.files()[0]!;
      assert.is(f.manifest.hashes[0], sha256Hex(whole.subarray(0, CS)));
      assert.equal(await store.readChunk(f.manifest.id, 3), whole.subarray(3 * CS));
      assert.ok(seen.every((s) => s === 200_000), `offered sizes: ${seen.join(',')}`);
    } finally {
      await store.close();
      await tmp.remove();
    }
  }),
);

test(
  'addFile: offered at once, with a known manifest not re-hashed; paths outside are refused',
  withTimeout(10000, async () => {
    const tmp = await makeTmpDir();
    const hasher = new Hasher();
    const store = await LocalStore.open({ dir: tmp.path, chunkSize: CS, hasher, pollMs: 0 });
    try {
      await store.start();
      const data = randomBytes(CS + 1);
      const hashes = [sha256Hex(data.subarray(0, CS)), sha256Hex(data.subarray(CS))];
      const m = buildManifest('remote name.bin', data.length, CS, hashes);
      const target = join(tmp.path, 'downloads', 'fetched.bin');
      await writeFile(target, data);
      const lf = await store.addFile(target, m);
      assert.is(hasher.requests, 0);
      assert.is(lf.manifest.id, m.id);
      assert.is(lf.manifest.name, 'fetched.bin');
      assert.is(store.byId(m.id)?.relPath, 'downloads/fetched.bin');

      const other = join(tmp.path, 'shared', 'other.txt');
      await writeFile(other, 'other');
      assert.is((await store.addFile(other)).manifest.size, 5);
      assert.is(hasher.requests, 1);

      await writeFile(join(tmp.path, 'loose.txt'), 'x');
      assertCode(await failure(store.addFile(join(tmp.path, 'loose.txt'))), 'UNSAFE_NAME');
      assertCode(await failure(store.addFile(join(tmp.path, '.lanmesh', 'peer-id'))), 'UNSAFE_NAME');
      assertCode(await failure(store.addFile(join(tmp.path, 'shared', '..', '..', 'x'))), 'UNSAFE_NAME');
      assertCode(await failure(store.addFile(join(tmp.path, 'shared', 'nope'))), 'NOT_FOUND');
    } finally {
      await store.close();
      await hasher.close();
      await tmp.remove();
    }
  }),
);

test(
  'close() is idempotent; no events after it; rescan() after it is a no-op',
  withTimeout(10000, async () => {
    const tmp = await makeTmpDir();
    const store = await LocalStore.open({ dir: tmp.path, chunkSize: CS });
    try {
      await writeFile(join(tmp.path, 'shared', 'big.bin'), randomBytes(8 * 1024 * 1024));
      const starting = store.start();
      let events = 0;
      store.on('change', () => events++);
      await Promise.all([store.close(), store.close()]);
      await starting;
      const after = events;
      await writeFile(join(tmp.path, 'shared', 'late.txt'), 'late');
      await store.rescan();
      assert.is(events, after);
      assertCode(await failure(store.start()), 'IO');
    } finally {
      await store.close();
      await tmp.remove();
    }
  }),
);


test(
  'a file the store indexed itself (a finished download) causes no rescan when its watch event comes',
  withTimeout(10000, async () => {
    const tmp = await makeTmpDir();
    const store = await LocalStore.open({ dir: tmp.path, chunkSize: CS, pollMs: 0, debounceMs: 30 });
    try {
      await store.start();
      for (let k = 0; k < 5; k++) {
        const src = join(tmp.path, `.lanmesh`, `landing-${k}`);
        const data = randomBytes(1000 + k);
        await writeFile(src, data);
        const watched = once(store, 'watched');
        const target = join(tmp.path, 'downloads', `got-${k}.bin`);
        await rename(src, target);
        // As a download does: with the manifest it verified, so nothing is hashed again.
        await store.addFile(target, buildManifest(`got-${k}.bin`, data.length, CS, [sha256Hex(data)]));
        const [rescanned] = await watched;
        assert.is(rescanned, false, `download ${k} was indexed without a rescan`);
      }
      assert.is(store.files().length, 5);
      // A file nobody told the store about still makes it rescan.
      const watched = once(store, 'watched');
      await writeFile(join(tmp.path, 'shared', 'new.txt'), 'new');
      assert.equal(await watched, [true]);
    } finally {
      await store.close();
      await tmp.remove();
    }
  }),
);

test.run();
