import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import { PartialDownload, ChunkMismatchError } from '../../src/store/partial-download.js';
import { Bitfield } from '../../src/store/bitfield.js';
import { Hasher } from '../../src/store/hasher.js';
import { Scheduler, seededRandom } from '../../src/transfer/scheduler.js';
import { isLanmeshError } from '../../src/errors.js';
import { asFileId, type Manifest } from '../../src/types.js';
import { withTimeout } from '../support/with-timeout.js';
import { makeTmpDir } from '../support/tmp-dir.js';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** The manifest per docs/PROTOCOL.md, computed here independently of src/store/manifest.ts. */
function manifestOf(bytes: Buffer, name: string, chunkSize: number): Manifest {
  const hashes: string[] = [];
  for (let off = 0; off < bytes.length; off += chunkSize) hashes.push(sha(bytes.subarray(off, off + chunkSize)));
  const text = `lanmesh-file-v1\n${bytes.length}\n${chunkSize}\n${hashes.join('\n')}`;
  return { id: asFileId(sha(text)), name, size: bytes.length, chunkSize, hashes };
}

function randomBytes(n: number, seed: number): Buffer {
  const rnd = seededRandom(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

const CS = 1024;
const chunk = (bytes: Buffer, i: number) => bytes.subarray(i * CS, (i + 1) * CS);

async function rejectsWith(p: Promise<unknown>, code: string): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    assert.ok(isLanmeshError(e) && e.code === code, `expected ${code}, got ${String(e)}`);
    return e;
  }
  assert.unreachable(`expected ${code}`);
}

test('write, verify, read back; reopen resumes the same bits and nothing held is refetched', withTimeout(10000, async () => {
  const tmp = await makeTmpDir();
  try {
    const bytes = randomBytes(10 * CS - 100, 1);
    const m = manifestOf(bytes, 'notes.txt', CS);
    const pd = await PartialDownload.open(tmp.path, m);
    try {
      assert.is(pd.origin, 'new');
      assert.is(pd.have().count(), 0);
      await Promise.all([0, 3, 9].map((i) => pd.writeChunk(i, chunk(bytes, i))));
      await pd.writeChunk(3, chunk(bytes, 3));
      assert.equal(pd.have().missing(), [1, 2, 4, 5, 6, 7, 8]);
      assert.equal(await pd.readChunk(9), chunk(bytes, 9));
      assert.is((await pd.readChunk(9)).length, CS - 100);
      await rejectsWith(pd.readChunk(1), 'NOT_FOUND');
    } finally {
      await pd.close();
      await pd.close();
    }
    await rejectsWith(pd.readChunk(0), 'IO');
    const again = await PartialDownload.open(tmp.path, m);
    try {
      assert.is(again.origin, 'resumed');
      assert.equal(again.have().missing(), [1, 2, 4, 5, 6, 7, 8]);
      assert.equal(await again.readChunk(0), chunk(bytes, 0));
      const s = new Scheduler({ chunkCount: m.hashes.length, have: again.have(), random: seededRandom(1) });
      s.addHolder('seed', 'all');
      const requested: number[] = [];
      for (let t = 0; !s.isDone(); t++) {
        for (const i of s.next('seed', t)) {
          requested.push(i);
          await again.writeChunk(i, chunk(bytes, i));
          s.onChunk('seed', i, CS, t);
        }
      }
      assert.equal(requested.sort((a, b) => a - b), [1, 2, 4, 5, 6, 7, 8], 'zero held chunks refetched');
      assert.ok(again.have().isComplete());
    } finally {
      await again.close();
    }
  } finally {
    await tmp.remove();
  }
}));

test('a corrupt or wrong-sized chunk is rejected with its index and nothing is written', withTimeout(5000, async () => {
  const tmp = await makeTmpDir();
  try {
    const bytes = randomBytes(4 * CS, 2);
    const m = manifestOf(bytes, 'a.bin', CS);
    const pd = await PartialDownload.open(tmp.path, m);
    try {
      const bad = Buffer.from(chunk(bytes, 2));
      bad[5] ^= 1;
      const e = await rejectsWith(pd.writeChunk(2, bad), 'HASH_MISMATCH');
      assert.ok(e instanceof ChunkMismatchError);
      assert.is((e as ChunkMismatchError).index, 2);
      assert.match((e as Error).message, /chunk 2/);
      await rejectsWith(pd.writeChunk(1, chunk(bytes, 1).subarray(1)), 'HASH_MISMATCH');
      await rejectsWith(pd.writeChunk(4, chunk(bytes, 0)), 'BAD_MESSAGE');
      await rejectsWith(pd.writeChunk(-1, chunk(bytes, 0)), 'BAD_MESSAGE');
      assert.is(pd.have().count(), 0);
      const data = await readFile(join(pd.dir, 'data'));
      assert.is(data.length, 4 * CS);
      assert.ok(data.every((b) => b === 0), 'no byte of the bad chunk reached the data file');
    } finally {
      await pd.close();
    }
    const again = await PartialDownload.open(tmp.path, m);
    assert.is(again.have().count(), 0);
    await again.close();
  } finally {
    await tmp.remove();
  }
}));

test('an unusable state restarts clean with a warning, never a crash', withTimeout(10000, async () => {
  const tmp = await makeTmpDir();
  try {
    const bytes = randomBytes(3 * CS, 3);
    const m = manifestOf(bytes, 'c.bin', CS);
    const damage: [string, (dir: string) => Promise<void>][] = [
      ['garbage state.json', (d) => writeFile(join(d, 'state.json'), '{"v":1,"id":')],
      ['state with too many bits', (d) => writeFile(join(d, 'state.json'), JSON.stringify({ v: 1, id: m.id, have: 'AAAA' }))],
      ['state of another file', (d) => writeFile(join(d, 'state.json'), JSON.stringify({ v: 1, id: 'f'.repeat(64), have: 'gA==' }))],
      ['garbage manifest.json', (d) => writeFile(join(d, 'manifest.json'), 'nope')],
      ['invalid manifest.json', (d) => writeFile(join(d, 'manifest.json'), JSON.stringify({ ...m, hashes: m.hashes.slice(1) }))],
      ['missing manifest.json', (d) => rm(join(d, 'manifest.json'))],
      ['missing data', (d) => rm(join(d, 'data'))],
      ['short data file', (d) => truncate(join(d, 'data'), 5)],
    ];
    for (const [what, hurt] of damage) {
      const pd = await PartialDownload.open(tmp.path, m);
      await pd.writeChunk(1, chunk(bytes, 1));
      await pd.close();
      await hurt(pd.dir);
      const warnings: string[] = [];
      const again = await PartialDownload.open(tmp.path, m, { warn: (w) => warnings.push(w) });
      try {
        assert.is(again.origin, 'restarted', what);
        assert.is(again.have().count(), 0, what);
        assert.is(warnings.length, 1, what);
        assert.match(warnings[0]!, /starting over/);
        await again.writeChunk(0, chunk(bytes, 0));
      } finally {
        await again.close();
      }
      const third = await PartialDownload.open(tmp.path, m);
      assert.is(third.origin, 'resumed', `${what}: the restarted state is itself resumable`);
      assert.equal(third.have().missing(), [1, 2]);
      await third.discard();
    }
  } finally {
    await tmp.remove();
  }
}));

test('a manifest whose id does not match its hash list is refused before touching the disk', withTimeout(5000, async () => {
  const tmp = await makeTmpDir();
  try {
    const m = manifestOf(randomBytes(2 * CS, 4), 'x', CS);
    await rejectsWith(PartialDownload.open(tmp.path, { ...m, hashes: [m.hashes[1]!, m.hashes[0]!] }), 'BAD_MESSAGE');
    await rejectsWith(PartialDownload.open(tmp.path, { ...m, id: asFileId('../../etc') }), 'BAD_MESSAGE');
    await rejectsWith(PartialDownload.open(tmp.path, { ...m, size: m.size + 1 }), 'BAD_MESSAGE');
    assert.equal(await readdir(tmp.path), []);
  } finally {
    await tmp.remove();
  }
}));

test('complete() moves the verified file into downloads and removes the partial folder', withTimeout(5000, async () => {
  const tmp = await makeTmpDir();
  try {
    const bytes = randomBytes(5 * CS + 7, 5);
    const m = manifestOf(bytes, 'report.txt', CS);
    const downloads = join(tmp.path, 'downloads');
    const pd = await PartialDownload.open(tmp.path, m);
    await rejectsWith(pd.complete(downloads), 'NOT_FOUND');
    await Promise.all(m.hashes.map((_, i) => pd.writeChunk(i, chunk(bytes, i))));
    const path = await pd.complete(downloads);
    assert.is(path, join(downloads, 'report.txt'));
    assert.equal(await readFile(path), bytes);
    assert.equal(await PartialDownload.list(tmp.path), []);
    assert.equal(await readdir(join(tmp.path, '.lanmesh', 'partial')), []);
    await rejectsWith(pd.writeChunk(0, chunk(bytes, 0)), 'IO');
    await pd.close();
  } finally {
    await tmp.remove();
  }
}));

test('a taken name becomes "name (1).ext"; nothing is overwritten', withTimeout(5000, async () => {
  const tmp = await makeTmpDir();
  try {
    const downloads = join(tmp.path, 'downloads');
    await mkdir(downloads);
    await writeFile(join(downloads, 'report.txt'), 'mine');
    const paths: string[] = [];
    for (const seed of [6, 7]) {
      const bytes = randomBytes(2 * CS, seed);
      const m = manifestOf(bytes, 'report.txt', CS);
      const pd = await PartialDownload.open(tmp.path, m);
      for (let i = 0; i < 2; i++) await pd.writeChunk(i, chunk(bytes, i));
      paths.push(await pd.complete(downloads));
      assert.equal(await readFile(paths.at(-1)!), bytes);
    }
    assert.equal(paths, [join(downloads, 'report (1).txt'), join(downloads, 'report (2).txt')]);
    assert.is(await readFile(join(downloads, 'report.txt'), 'utf8'), 'mine');
  } finally {
    await tmp.remove();
  }
}));

test('hostile names never lead outside the peer folder', withTimeout(10000, async () => {
  const tmp = await makeTmpDir();
  try {
    const peer = join(tmp.path, 'peer');
    const downloads = join(peer, 'downloads');
    const names = ['../x', '../../x', '/etc/x', '..', '.', '', 'a/../../b', '..\\..\\w', 'downloads/../../y', '\u0000z', '.lanmesh'];
    for (const [k, name] of names.entries()) {
      const bytes = randomBytes(CS + 1, 100 + k);
      const m = manifestOf(bytes, name, CS);
      const pd = await PartialDownload.open(peer, m);
      for (let i = 0; i < 2; i++) await pd.writeChunk(i, chunk(bytes, i));
      const path = await pd.complete(downloads);
      const rel = relative(downloads, path);
      assert.ok(rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.includes('/'), `${JSON.stringify(name)} → ${path}`);
      assert.equal(await readFile(path), bytes);
    }
    assert.equal(await readdir(tmp.path), ['peer'], 'nothing beside the peer folder');
    assert.equal((await readdir(peer)).sort(), ['.lanmesh', 'downloads']);
    assert.is((await readdir(downloads)).length, names.length);
  } finally {
    await tmp.remove();
  }
}));

test('a 0-byte file is complete at once', withTimeout(5000, async () => {
  const tmp = await makeTmpDir();
  try {
    const m = manifestOf(Buffer.alloc(0), 'empty.txt', CS);
    assert.equal(m.hashes, []);
    const pd = await PartialDownload.open(tmp.path, m);
    assert.ok(pd.have().isComplete());
    const path = await pd.complete(join(tmp.path, 'downloads'));
    assert.is((await stat(path)).size, 0);
    assert.is(path, join(tmp.path, 'downloads', 'empty.txt'));
  } finally {
    await tmp.remove();
  }
}));

test('list() shows partials with their bits and skips unreadable ones', withTimeout(5000, async () => {
  const tmp = await makeTmpDir();
  try {
    assert.equal(await PartialDownload.list(tmp.path), []);
    const a = randomBytes(3 * CS, 8);
    const b = randomBytes(2 * CS, 9);
    const ma = manifestOf(a, 'a', CS);
    const mb = manifestOf(b, 'b', CS);
    const pa = await PartialDownload.open(tmp.path, ma);
    await pa.writeChunk(2, chunk(a, 2));
    await pa.commit();
    const pb = await PartialDownload.open(tmp.path, mb);
    await pb.close();
    await writeFile(join(pb.dir, 'state.json'), 'junk');
    await mkdir(join(tmp.path, '.lanmesh', 'partial', 'not-a-file-id'));
    const warnings: string[] = [];
    const list = await PartialDownload.list(tmp.path, { warn: (w) => warnings.push(w) });
    assert.is(list.length, 1);
    assert.is(list[0]!.manifest.id, ma.id);
    assert.equal(list[0]!.have.missing(), [0, 1]);
    assert.is(warnings.length, 1);
    await pa.close();
  } finally {
    await tmp.remove();
  }
}));

/** The real hash worker, counting which chunks it is asked to re-hash. */
function countingHasher(): { hasher: Hasher; asked: number[][] } {
  const hasher = new Hasher();
  const asked: number[][] = [];
  const real = hasher.hashChunks.bind(hasher);
  hasher.hashChunks = (path, cs, indices, signal) => (asked.push([...indices]), real(path, cs, indices, signal));
  return { hasher, asked };
}

test('chunks verified on arrival are not read back: complete() proves the file from their hashes', withTimeout(5000, async () => {
  const tmp = await makeTmpDir();
  const { hasher, asked } = countingHasher();
  try {
    const bytes = randomBytes(6 * CS + 3, 11);
    const m = manifestOf(bytes, 'v.bin', CS);
    const pd = await PartialDownload.open(tmp.path, m, { hasher });
    await Promise.all(m.hashes.map((_, i) => pd.writeChunk(i, chunk(bytes, i))));
    assert.equal(await readFile(await pd.complete(join(tmp.path, 'downloads'))), bytes);
    assert.equal(asked, [], 'nothing re-hashed');
  } finally {
    await hasher.close();
    await tmp.remove();
  }
}));

test('chunks kept from an earlier run are re-checked in the hash worker; damaged ones are forgotten and refetchable', withTimeout(5000, async () => {
  const tmp = await makeTmpDir();
  const { hasher, asked } = countingHasher();
  try {
    const bytes = randomBytes(4 * CS, 10);
    const m = manifestOf(bytes, 'd.bin', CS);
    const downloads = join(tmp.path, 'downloads');
    const first = await PartialDownload.open(tmp.path, m, { hasher });
    for (let i = 0; i < 3; i++) await first.writeChunk(i, chunk(bytes, i));
    await first.close();
    // Between the two runs the data file is damaged in chunk 2.
    const fh = await open(join(first.dir, 'data'), 'r+');
    await fh.write(Buffer.from([0xaa]), 0, 1, 2 * CS + 10);
    await fh.close();
    const pd = await PartialDownload.open(tmp.path, m, { hasher });
    assert.is(pd.origin, 'resumed');
    await pd.writeChunk(3, chunk(bytes, 3));
    const e = await rejectsWith(pd.complete(downloads), 'HASH_MISMATCH');
    assert.match((e as Error).message, /chunks 2\b/);
    assert.equal(asked, [[0, 1, 2]], 'only the chunks this run did not verify, in the worker');
    assert.equal(pd.have().missing(), [2]);
    assert.equal(await readdir(downloads).catch(() => []), [], 'nothing placed');
    await pd.writeChunk(2, chunk(bytes, 2));
    assert.equal(await readFile(await pd.complete(downloads)), bytes);
    assert.is(asked.length, 1, 'chunks proven once are not re-hashed again');
  } finally {
    await hasher.close();
    await tmp.remove();
  }
}));

test('progress is committed in batches, and a committed chunk survives without close()', withTimeout(10000, async () => {
  const tmp = await makeTmpDir();
  try {
    const n = 24;
    const bytes = randomBytes(n * CS, 12);
    const m = manifestOf(bytes, 'b.bin', CS);
    const pd = await PartialDownload.open(tmp.path, m);
    try {
      for (let i = 0; i < n; i++) await pd.writeChunk(i, chunk(bytes, i));
      await pd.commit();
      // One fdatasync + state.json per batch, not per chunk (batches close at 64 chunks or 250 ms).
      assert.ok(pd.commitCount < n / 2, `${pd.commitCount} commits for ${n} chunks written one by one`);
      // As after a crash: another reader of the folder sees every committed bit.
      const seen = await PartialDownload.find(tmp.path, m.id);
      assert.is(seen?.have.count(), n);
    } finally {
      await pd.close();
    }
  } finally {
    await tmp.remove();
  }
}));

test('2 GiB: completing a resumed download keeps memory flat', withTimeout(120000, async () => {
  const tmp = await makeTmpDir();
  try {
    const size = 2 * 1024 * 1024 * 1024;
    const cs = 1024 * 1024;
    const zeroHash = sha(Buffer.alloc(cs));
    const hashes = Array.from({ length: size / cs }, () => zeroHash);
    const id = asFileId(sha(`lanmesh-file-v1\n${size}\n${cs}\n${hashes.join('\n')}`));
    const m: Manifest = { id, name: 'big.bin', size, chunkSize: cs, hashes };
    const first = await PartialDownload.open(tmp.path, m);
    await first.writeChunk(0, Buffer.alloc(cs));
    await first.close();
    // Every chunk of a sparse file reads as zeros: mark them all held, as a finished fetch would.
    await writeFile(join(first.dir, 'state.json'), JSON.stringify({ v: 1, id, have: Bitfield.full(hashes.length).toBase64() }));
    const pd = await PartialDownload.open(tmp.path, m);
    assert.is(pd.origin, 'resumed');
    assert.ok(pd.have().isComplete());
    const base = process.memoryUsage().rss;
    let peak = base;
    const probe = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    let path: string;
    try {
      path = await pd.complete(join(tmp.path, 'downloads'));
    } finally {
      clearInterval(probe);
    }
    assert.is((await stat(path)).size, size);
    const grew = (peak - base) / 1048576;
    assert.ok(grew < 64, `rss grew ${grew.toFixed(1)} MiB while hashing 2 GiB`);
  } finally {
    await tmp.remove();
  }
}));

test('a single-chunk download keeps no partial folder: one data file, placed, then gone', withTimeout(5000, async () => {
  const tmp = await makeTmpDir();
  try {
    const bytes = randomBytes(CS - 5, 13);
    const m = manifestOf(bytes, 'one.txt', CS);
    const pd = await PartialDownload.open(tmp.path, m);
    assert.equal(await readdir(join(tmp.path, '.lanmesh', 'partial')), [`${m.id}.single`], 'no folder, manifest or state');
    assert.equal(await PartialDownload.list(tmp.path), [], 'nothing to resume');
    assert.equal(await PartialDownload.singles(tmp.path), [m.id], 'but it can be found (to clear after a crash)');
    await pd.writeChunk(0, bytes);
    assert.equal(await pd.readChunk(0), bytes, 'served to others while it waits');
    const path = await pd.complete(join(tmp.path, 'downloads'));
    assert.equal(await readFile(path), bytes);
    assert.equal(await readdir(join(tmp.path, '.lanmesh', 'partial')), []);
  } finally {
    await tmp.remove();
  }
}));

test.run();
