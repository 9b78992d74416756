// The worker-thread hasher: correct chunk hashes, a queue, aborts, files that vanish or shrink while
// read, and an event loop that keeps running while a large file is hashed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes, createHash } from 'node:crypto';
import { readdir, readlink, truncate, unlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Hasher } from '../../src/store/hasher.js';
import { buildManifest, computeFileId } from '../../src/store/manifest.js';
import { isLanmeshError, type ErrorCode } from '../../src/errors.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';
import { makeTmpDir } from '../support/tmp-dir.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function expectedHashes(data: Buffer, chunkSize: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < data.length; i += chunkSize) out.push(sha(data.subarray(i, i + chunkSize)));
  return out;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e ?? new Error('rejected with nothing'),
  );
}

function assertCode(e: unknown, ...codes: ErrorCode[]): void {
  assert.ok(e !== undefined, 'expected a rejection');
  assert.ok(codes.some((c) => isLanmeshError(e, c)), `expected ${codes.join('|')}, got ${String(e)}`);
}

/** True once this process (any thread) holds an open fd on `path`: the worker has opened it. */
async function isOpenHere(path: string): Promise<boolean> {
  for (const fd of await readdir('/proc/self/fd')) {
    if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === path) return true;
  }
  return false;
}

test(
  'hashes match for 0 bytes, 1 byte, exact multiple and multiple + 1',
  withTimeout(10000, async () => {
    const tmp = await makeTmpDir();
    const hasher = new Hasher();
    try {
      const cs = 64 * 1024;
      // Up to 1 MiB the worker reads the file in one synchronous read; above, in blocks, read-ahead.
      for (const size of [0, 1, cs, 2 * cs, 2 * cs + 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 7]) {
        const data = randomBytes(size);
        const p = join(tmp.path, `f${size}`);
        await writeFile(p, data);
        const r = await hasher.hash(p, cs);
        assert.equal(r.hashes, expectedHashes(data, cs), `size ${size}`);
        assert.is(r.size, size);
        assert.equal(await hasher.hashFile(p, cs), r.hashes);
        assert.is(buildManifest('x', size, cs, r.hashes).id, computeFileId(size, cs, expectedHashes(data, cs)));
      }
      assert.is(hasher.requests, 16);
    } finally {
      await hasher.close();
      await tmp.remove();
    }
  }),
);

test(
  'requests are queued: many at once all resolve with their own hashes',
  withTimeout(10000, async () => {
    const tmp = await makeTmpDir();
    const hasher = new Hasher();
    try {
      const files = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const data = randomBytes(1000 + i * 997);
          const p = join(tmp.path, `q${i}`);
          await writeFile(p, data);
          return { p, data };
        }),
      );
      const results = await Promise.all(files.map((f) => hasher.hashFile(f.p, 512)));
      files.forEach((f, i) => assert.equal(results[i], expectedHashes(f.data, 512)));
    } finally {
      await hasher.close();
      await tmp.remove();
    }
  }),
);

test(
  'a missing file rejects NOT_FOUND; aborted requests reject; the hasher keeps working',
  withTimeout(10000, async () => {
    const tmp = await makeTmpDir();
    const hasher = new Hasher();
    try {
      assertCode(await failure(hasher.hash(join(tmp.path, 'nope'), 1024)), 'NOT_FOUND');
      const big = join(tmp.path, 'big');
      await writeFile(big, randomBytes(8 * 1024 * 1024));
      const small = join(tmp.path, 'small');
      await writeFile(small, 'hello');
      const ac1 = new AbortController();
      const ac2 = new AbortController();
      const running = hasher.hash(big, 4096, ac1.signal);
      const queued = hasher.hash(big, 4096, ac2.signal);
      ac2.abort();
      ac1.abort();
      const [e1, e2] = await Promise.all([failure(running), failure(queued)]);
      assert.is((e1 as Error).name, 'AbortError');
      assert.is((e2 as Error).name, 'AbortError');
      const pre = new AbortController();
      pre.abort();
      assert.is(((await failure(hasher.hash(small, 4, pre.signal))) as Error).name, 'AbortError');
      assert.equal(await hasher.hashFile(small, 4), expectedHashes(Buffer.from('hello'), 4));
    } finally {
      await hasher.close();
      await tmp.remove();
    }
  }),
);

test(
  'a FIFO put where a file was rejects IO at once (never blocks the worker), and a file hashed right after is fine',
  withTimeout(10000, async () => {
    const tmp = await makeTmpDir();
    const hasher = new Hasher();
    try {
      const fifo = join(tmp.path, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const e = await failure(hasher.hash(fifo, 4096));
      assertCode(e, 'IO');
      assert.match((e as Error).message, /not a regular file/);
      const data = randomBytes(5000);
      await writeFile(join(tmp.path, 'after.bin'), data);
      assert.equal((await hasher.hash(join(tmp.path, 'after.bin'), 4096)).hashes, expectedHashes(data, 4096));
    } finally {
      await hasher.close();
      await tmp.remove();
    }
  }),
);

test(
  'a file deleted or truncated while it is hashed rejects cleanly',
  withTimeout(20000, async () => {
    const tmp = await makeTmpDir();
    const hasher = new Hasher();
    try {
      const data = randomBytes(32 * 1024 * 1024);
      const gone = join(tmp.path, 'gone.bin');
      await writeFile(gone, data);
      // 4 KiB chunks make the read slow enough to act while the worker holds the file open.
      const p1 = failure(hasher.hash(gone, 4096));
      await waitFor(() => isOpenHere(gone), { intervalMs: 1, what: 'worker to open the file' });
      await unlink(gone);
      assertCode(await p1, 'NOT_FOUND');

      const shrinking = join(tmp.path, 'shrinking.bin');
      await writeFile(shrinking, data);
      const p2 = failure(hasher.hash(shrinking, 4096));
      await waitFor(() => isOpenHere(shrinking), { intervalMs: 1, what: 'worker to open the file' });
      await truncate(shrinking, 1000);
      const e2 = await p2;
      assertCode(e2, 'IO');
      assert.match((e2 as Error).message, /shrank|changed/);

      assert.equal(await hasher.hashFile(shrinking, 4096), expectedHashes(data.subarray(0, 1000), 4096));
    } finally {
      await hasher.close();
      await tmp.remove();
    }
  }),
);

test(
  'the event loop stays responsive while a 64 MiB file is hashed',
  withTimeout(30000, async () => {
    const tmp = await makeTmpDir();
    const hasher = new Hasher();
    try {
      const p = join(tmp.path, 'big.bin');
      const data = randomBytes(64 * 1024 * 1024);
      await writeFile(p, data);
      let maxLag = 0;
      let ticks = 0;
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        maxLag = Math.max(maxLag, now - last - 10);
        last = now;
        ticks++;
      }, 10);
      const started = performance.now();
      let hashes: string[];
      try {
        hashes = await hasher.hashFile(p, 1024 * 1024);
      } finally {
        clearInterval(timer);
      }
      const took = performance.now() - started;
      assert.is(hashes.length, 64);
      assert.is(hashes[63], sha(data.subarray(63 * 1024 * 1024)));
      console.log(`    hashed 64 MiB in ${took.toFixed(0)} ms; ${ticks} timer ticks, max timer lag ${maxLag.toFixed(1)} ms`);
      assert.ok(maxLag < 200, `max timer lag ${maxLag.toFixed(1)} ms`);
    } finally {
      await hasher.close();
      await tmp.remove();
    }
  }),
);

test(
  'close() is idempotent, fails queued work, and refuses new requests',
  withTimeout(10000, async () => {
    const tmp = await makeTmpDir();
    const hasher = new Hasher();
    try {
      const p = join(tmp.path, 'f');
      await writeFile(p, randomBytes(4 * 1024 * 1024));
      const inflight = failure(hasher.hash(p, 4096));
      const queued = failure(hasher.hash(p, 4096));
      await Promise.all([hasher.close(), hasher.close()]);
      assertCode(await inflight, 'IO');
      assertCode(await queued, 'IO');
      assertCode(await failure(hasher.hash(p, 4096)), 'IO');
    } finally {
      await hasher.close();
      await tmp.remove();
    }
  }),
);

test.run();
