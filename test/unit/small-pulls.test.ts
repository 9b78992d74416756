// Small files asked for while others are under way come in files.get batches (small-pulls.ts), in
// one process on 127.0.0.1 with real sockets: verified by their ids, placed, offered; bytes that are
// not the file send it down the ordinary path; a waiting file can be cancelled.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChunkSource } from '../../src/transfer/upload.js';
import { isLanmeshError } from '../../src/errors.js';
import type { DownloadSummary } from '../../src/transfer/download-types.js';
import { withTimeout, waitFor } from '../support/with-timeout.js';
import { CS, sha, makeNode, wire, withNodes, onDownload, type Node } from '../support/transfer-nodes.js';

/** `count` small files (1 byte up to one whole chunk), by name. */
function smallFiles(count: number): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (let k = 0; k < count; k++) out[`s${String(k).padStart(3, '0')}.bin`] = randomBytes(1 + ((k * 7919) % CS));
  return out;
}

/** A chunk source that serves what `real` reads, passed through `onRead` first (to corrupt or hold it). */
const onReads = (onRead: (id: string, data: Buffer) => Promise<Buffer> | Buffer) => (real: ChunkSource): ChunkSource => ({
  has: (id) => real.has(id),
  readChunk: async (id, i, alloc) => onRead(id, Buffer.from(await real.readChunk(id, i, alloc))),
});

/** Done summaries by name until `names` are all in (rejects on a failed download). */
function allDone(n: Node, names: string[]): Promise<Map<string, DownloadSummary>> {
  const got = new Map<string, DownloadSummary>();
  return new Promise((resolve, reject) => {
    const offDone = onDownload(n.transfer, 'done', (e) => {
      got.set(e.summary.name, e.summary);
      if (names.every((x) => got.has(x))) {
        offDone();
        offFailed();
        resolve(got);
      }
    });
    const offFailed = onDownload(n.transfer, 'failed', (e) => {
      if (e.failure.cancelled) return;
      offDone();
      offFailed();
      reject(new Error(`${e.failure.name}: ${e.failure.error}`));
    });
  });
}

test('small files asked for at once come in batches, each checked against its id, placed and offered', withTimeout(20000, async () => {
  await withNodes(async (root) => {
    const files = smallFiles(40);
    const names = Object.keys(files);
    const a = await makeNode(root, 'a', { files });
    const c = await makeNode(root, 'c');
    try {
      await wire([a, c]);
      const finished = allDone(c, names);
      const starts = await Promise.all(names.map((n) => c.transfer.download(n)));
      for (const s of starts) assert.is(s.chunks, 1);
      // Asked for twice while it waits in its batch: refused, as for any running download.
      const again = await c.transfer.download(names[names.length - 1]!).then(() => undefined, (e: unknown) => e);
      assert.ok(isLanmeshError(again, 'BAD_COMMAND'), `second download refused: ${String(again)}`);
      const summaries = await finished;
      for (const [name, bytes] of Object.entries(files)) {
        const s = summaries.get(name)!;
        assert.is(s.path, join(c.dir, 'downloads', name));
        assert.is(sha(await readFile(s.path)), sha(bytes), name);
        assert.ok(c.store.byId(s.id), `${name} offered at once`);
        assert.equal(s.shares.map((h) => h.name), ['a']);
      }
      // The first one started alone (the ordinary path); the others joined batches.
      assert.ok(c.transfer.batchedFiles >= names.length - 1, `${c.transfer.batchedFiles} files came in batches`);
      assert.equal(await readdir(join(c.dir, '.lanmesh', 'partial')), [], 'no partial data left');
      assert.equal(c.warnings, []);
    } finally {
      await Promise.all([a, c].map((n) => n.close()));
    }
  });
}));

test('small files held by two peers are spread over both batches', withTimeout(20000, async () => {
  await withNodes(async (root) => {
    const files = smallFiles(30);
    const names = Object.keys(files);
    const a = await makeNode(root, 'a', { files });
    const b = await makeNode(root, 'b', { files });
    const c = await makeNode(root, 'c');
    try {
      await wire([a, b, c]);
      const finished = allDone(c, names);
      await Promise.all(names.map((n) => c.transfer.download(n)));
      const summaries = await finished;
      const from = new Map<string, number>();
      for (const s of summaries.values()) for (const h of s.shares) from.set(h.name, (from.get(h.name) ?? 0) + 1);
      assert.ok((from.get('a') ?? 0) >= 10 && (from.get('b') ?? 0) >= 10, `files per holder: ${JSON.stringify([...from])}`);
      for (const [name, bytes] of Object.entries(files)) assert.is(sha(await readFile(summaries.get(name)!.path)), sha(bytes), name);
    } finally {
      await Promise.all([a, b, c].map((n) => n.close()));
    }
  });
}));

test('a batch that brings bytes which are not the file: those files go the ordinary way and arrive right', withTimeout(30000, async () => {
  await withNodes(async (root) => {
    const files = smallFiles(12);
    const names = Object.keys(files);
    // The first read of every file but the first is corrupted (the batch's); later reads are true.
    const reads = new Map<string, number>();
    const firstIdOf = { id: '' };
    const corruptFirst = onReads((id, data) => {
      const n = (reads.get(id) ?? 0) + 1;
      reads.set(id, n);
      if (n === 1 && id !== firstIdOf.id) data[0] = data[0]! ^ 0xff;
      return data;
    });
    const a = await makeNode(root, 'a', { files, serve: corruptFirst });
    const c = await makeNode(root, 'c');
    try {
      await wire([a, c]);
      const finished = allDone(c, names);
      const starts: string[] = [];
      onDownload(c.transfer, 'start', (e) => starts.push(e.start.name));
      const first = await c.transfer.download(names[0]!);
      firstIdOf.id = first.id;
      await Promise.all(names.slice(1).map((n) => c.transfer.download(n)));
      const summaries = await finished;
      for (const [name, bytes] of Object.entries(files)) assert.is(sha(await readFile(summaries.get(name)!.path)), sha(bytes), name);
      assert.is(c.transfer.batchedFiles, 0, 'nothing stored from the bad batch');
      assert.equal(starts.sort(), [...names].sort(), 'each file reported started once, also those that left their batch');
      assert.ok([...reads.values()].filter((n) => n >= 2).length >= names.length - 1, 'each batched file was read again by the ordinary path');
    } finally {
      await Promise.all([a, c].map((n) => n.close()));
    }
  });
}));

test('a file waiting in its batch can be cancelled: it is never stored; the others arrive', withTimeout(20000, async () => {
  await withNodes(async (root) => {
    const files = smallFiles(6);
    const names = Object.keys(files);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let held = 0;
    // Batched reads wait for the gate (the ordinary first download does not).
    const gated = onReads(async (id, data) => {
      if (id !== firstIdOf.id) {
        held++;
        await gate;
      }
      return data;
    });
    const firstIdOf = { id: '' };
    const a = await makeNode(root, 'a', { files, serve: gated });
    const c = await makeNode(root, 'c');
    try {
      await wire([a, c]);
      const kept = names.filter((n) => n !== names[3]);
      const finished = allDone(c, kept);
      const cancelled = new Promise<string>((resolve) => onDownload(c.transfer, 'failed', (e) => resolve(`${e.failure.name}: ${e.failure.error}`)));
      firstIdOf.id = (await c.transfer.download(names[0]!)).id;
      await Promise.all(names.slice(1).map((n) => c.transfer.download(n)));
      await waitFor(() => held > 0, { what: 'a batch asked for' });
      assert.ok(c.transfer.list().some((p) => p.name === names[3]), 'the waiting file is listed');
      const r = await c.transfer.cancel(names[3]!);
      assert.is(r.name, names[3]);
      assert.is(await cancelled, `${names[3]}: cancelled`);
      open();
      await finished;
      const landed = await readdir(join(c.dir, 'downloads'));
      assert.equal(landed.sort(), kept.sort());
    } finally {
      open();
      await Promise.all([a, c].map((n) => n.close()));
    }
  });
}));

test.run();
