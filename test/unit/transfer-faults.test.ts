// Downloads against holders that lie or go quiet, in one process on 127.0.0.1: a catalog entry with
// another chunk count, partial holders that together lack chunks, holders that refuse or never send,
// a stall (the holder is told to drop what was given up), `download` racing completion or resume,
// and one host taking every upload link.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Bitfield } from '../../src/store/bitfield.js';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { UploadManager, type ChunkSource } from '../../src/transfer/upload.js';
import { isLanmeshError } from '../../src/errors.js';
import type { DroppedHolder } from '../../src/transfer/transfer-service.js';
import type { Manifest } from '../../src/types.js';
import { withTimeout, waitFor } from '../support/with-timeout.js';
import { CS, HOST, done, makeNode, sha, wire, withNodes, onDownload, reachOf } from '../support/transfer-nodes.js';

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

test('a catalog entry with the real id and another chunk count crashes nothing; the file comes from the honest holder', withTimeout(20000, async () => {
  const escaped: string[] = [];
  const onEscape = (e: unknown) => escaped.push(String(e));
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  await withNodes(async (root) => {
    const bytes = randomBytes(20 * CS);
    const a = await makeNode(root, 'a', { files: { 'f.bin': bytes } });
    const evil1 = await makeNode(root, 'evil1');
    const evil2 = await makeNode(root, 'evil2');
    const c = await makeNode(root, 'c');
    try {
      const id = a.store.files()[0]!.manifest.id;
      // Two liars, heard first, outvote the one honest holder: 9 chunks instead of 20, with a matching 9-bit `have`.
      const bits = new Bitfield(9);
      bits.set(0);
      const lie = [{ id, name: 'f.bin', size: 9 * CS, chunkSize: CS, have: bits.toBase64() }];
      c.catalog.setRemote(evil1.id, 'evil1', lie);
      c.catalog.setRemote(evil2.id, 'evil2', lie);
      await wire([a, c], [evil1, evil2]);
      const fin = done(c);
      const start = await c.transfer.download('f.bin');
      assert.is(start.chunks, 20);
      // A catalog update while it runs goes through the change listener: it must not throw either.
      c.catalog.setRemote(evil1.id, 'evil1', lie);
      const summary = await fin;
      assert.equal(escaped, [], 'nothing escaped as an unhandled rejection or exception');
      assert.is(sha(await readFile(summary.path)), sha(bytes));
      assert.equal(summary.shares.map((s) => s.name), ['a']);
      const file = c.catalog.files().find((f) => f.id === id)!;
      assert.is(file.size, 20 * CS, 'the verified manifest decides the shape');
      assert.equal(file.conflicting.map((h) => h.peerName).sort(), ['evil1', 'evil2']);
    } finally {
      process.off('unhandledRejection', onEscape);
      process.off('uncaughtException', onEscape);
      await Promise.all([a, evil1, evil2, c].map((n) => n.close()));
    }
  });
}));

test('only partial holders left and together they lack chunks: the download says it is waiting', withTimeout(30000, async () => {
  await withNodes(async (root) => {
    const bytes = randomBytes(80 * CS);
    const a = await makeNode(root, 'a', { files: { 's.bin': bytes }, serve: (real) => ({
      has: (id) => real.has(id),
      readChunk: async (id, i) => { await delay(20); return real.readChunk(id, i); },
    }) });
    const c = await makeNode(root, 'c');
    const d = await makeNode(root, 'd');
    try {
      await wire([a, c, d]);
      const states: string[] = [];
      onDownload(c.transfer, 'state', (e) => states.push(e.progress.state));
      await c.transfer.download('s.bin');
      await d.transfer.download('s.bin');
      await waitFor(() => (c.transfer.list()[0]?.chunksDone ?? 0) >= 15, { what: 'c has 15 chunks', intervalMs: 5 });
      for (const n of [c, d]) n.catalog.removePeer(a.id);
      await a.close();
      // d (partial, connected) is all c has left, and nothing c lacks is anywhere.
      const waiting = () => {
        const p = c.transfer.list()[0];
        return p?.state === 'waiting' && p.known === 1;
      };
      await waitFor(waiting, { what: 'c waiting with d connected', timeoutMs: 10000, intervalMs: 20 });
      const p = c.transfer.list()[0]!;
      assert.ok(p.chunksDone < p.chunks, `${p.chunksDone}/${p.chunks}`);
      assert.is(states.at(-1), 'waiting');
    } finally {
      await Promise.all([c, d].map((n) => n.close()));
    }
  });
}));

async function droppedSoleHolder(serve: (real: ChunkSource) => ChunkSource, reason: RegExp): Promise<void> {
  await withNodes(async (root) => {
    const a = await makeNode(root, 'a', { files: { 'f.bin': randomBytes(20 * CS) }, serve });
    const c = await makeNode(root, 'c', { stallMs: 300 });
    try {
      await wire([a, c]);
      const dropped: DroppedHolder[] = [];
      onDownload(c.transfer, 'dropped', (e) => dropped.push(e.dropped));
      await c.transfer.download('f.bin');
      await waitFor(() => dropped.length > 0, { what: 'holder dropped', timeoutMs: 15000, intervalMs: 20 });
      assert.is(dropped[0]!.name, 'a');
      assert.match(dropped[0]!.reason, reason);
      await waitFor(() => c.transfer.list()[0]?.state === 'waiting', { what: 'waiting', timeoutMs: 3000, intervalMs: 20 });
    } finally {
      await Promise.all([a, c].map((n) => n.close()));
    }
  });
}

test('a sole holder that answers chunk.missing for everything is dropped and named; the download waits', withTimeout(20000, () =>
  droppedSoleHolder((real) => ({ has: (id) => real.has(id), readChunk: async () => { throw new Error('nope'); } }), /does not have chunk/)));

test('a sole holder that accepts requests and never sends is dropped after a few stalls; the download waits', withTimeout(25000, () =>
  droppedSoleHolder((real) => ({ has: (id) => real.has(id), readChunk: () => new Promise<Buffer>(() => undefined) }), /sent no data/)));

test('a holder dropped for failing to deliver is forgiven once the catalog stops listing it; one that sent bad data is not', withTimeout(25000, async () => {
  await withNodes(async (root) => {
    const bytes = randomBytes(12 * CS);
    let broken = true;
    // Serves nothing (chunk.missing) while broken, as a holder whose file just went away does.
    const a = await makeNode(root, 'a', { files: { 'f.bin': bytes }, serve: (real) => ({
      has: (id) => real.has(id),
      readChunk: async (id, i) => {
        if (broken) throw new Error('gone');
        return real.readChunk(id, i);
      },
    }) });
    // Sends every chunk with one bit flipped.
    const b = await makeNode(root, 'b', { files: { 'f.bin': bytes }, serve: (real) => ({
      has: (id) => real.has(id),
      readChunk: async (id, i) => {
        const chunk = Buffer.from(await real.readChunk(id, i));
        chunk[0]! ^= 1;
        return chunk;
      },
    }) });
    const c = await makeNode(root, 'c');
    try {
      await wire([a, b, c]);
      const dropped: DroppedHolder[] = [];
      onDownload(c.transfer, 'dropped', (e) => dropped.push(e.dropped));
      const fin = done(c);
      await c.transfer.download('f.bin');
      await waitFor(() => dropped.length === 2, { what: 'both holders dropped', timeoutMs: 10000, intervalMs: 20 });
      await waitFor(() => c.transfer.list()[0]?.state === 'waiting', { what: 'waiting', timeoutMs: 3000, intervalMs: 20 });

      // Both leave c's catalog (a's file was removed, b restarted), then both offer the file again.
      c.catalog.removePeer(a.id);
      c.catalog.removePeer(b.id);
      broken = false;
      c.catalog.locate(a.id, reachOf(a));
      c.catalog.locate(b.id, reachOf(b));
      c.catalog.setRemote(a.id, 'a', a.transfer.source.entries());
      c.catalog.setRemote(b.id, 'b', b.transfer.source.entries());
      const summary = await fin;
      assert.is(sha(await readFile(summary.path)), sha(bytes));
      const shares = new Map(summary.shares.map((h) => [h.name, h.chunks]));
      assert.is(shares.get('a'), 12, JSON.stringify(summary.shares));
      assert.is(shares.get('b') ?? 0, 0, JSON.stringify(summary.shares));
      assert.equal(summary.dropped.map((d) => d.name).sort(), ['a', 'b']);
    } finally {
      await Promise.all([a, b, c].map((n) => n.close()));
    }
  });
}));

test('after a stall the holder is told to cancel what was given up: it does not send those chunks too', withTimeout(20000, async () => {
  await withNodes(async (root) => {
    const bytes = randomBytes(8 * CS);
    let reads = 0;
    const a = await makeNode(root, 'a', { files: { 'f.bin': bytes }, serve: (real) => ({
      has: (id) => real.has(id),
      readChunk: async (id, i) => {
        if (reads++ === 0) await delay(3500);
        return real.readChunk(id, i);
      },
    }) });
    const c = await makeNode(root, 'c', { stallMs: 1500 });
    try {
      await wire([a, c]);
      const fin = done(c);
      await c.transfer.download('f.bin');
      const summary = await fin;
      assert.is(sha(await readFile(summary.path)), sha(bytes));
      // Only the chunk being read when the request was given up is wasted; its 3 queued siblings were cancelled.
      assert.is(reads, 9);
      assert.is(c.transfer.stats().unknownChunks, 1);
    } finally {
      await Promise.all([a, c].map((n) => n.close()));
    }
  });
}));

test('`download` again while the first run completes is refused, not fetched twice', withTimeout(20000, async () => {
  await withNodes(async (root) => {
    const a = await makeNode(root, 'a', { files: { 'f.bin': randomBytes(8 * CS) } });
    const c = await makeNode(root, 'c');
    try {
      await wire([a, c]);
      const dones: string[] = [];
      onDownload(c.transfer, 'done', (e) => dones.push(e.summary.path));
      let second: Promise<string> | undefined;
      const addFile = c.store.addFile.bind(c.store);
      c.store.addFile = async (p: string, m?: Manifest) => {
        second ??= c.transfer.download('f.bin').then(() => 'started again', (e: Error) => e.message);
        return addFile(p, m);
      };
      const fin = done(c);
      await c.transfer.download('f.bin');
      await fin;
      assert.match(await second!, /already (downloading|here)/);
      assert.is(dones.length, 1);
      assert.equal(await readdir(join(c.dir, 'downloads')), ['f.bin']);
    } finally {
      await Promise.all([a, c].map((n) => n.close()));
    }
  });
}));

test('resumePartials and `download` of the same partial at once open it once', withTimeout(30000, async () => {
  await withNodes(async (root) => {
    const bytes = randomBytes(30 * CS);
    const slow = (real: ChunkSource): ChunkSource => ({
      has: (id) => real.has(id),
      readChunk: async (id, i) => { await delay(10); return real.readChunk(id, i); },
    });
    const a = await makeNode(root, 'a', { files: { 'f.bin': bytes }, serve: slow });
    let c = await makeNode(root, 'c');
    try {
      await wire([a, c]);
      await c.transfer.download('f.bin');
      await waitFor(() => (c.transfer.list()[0]?.chunksDone ?? 0) >= 5, { what: '5 chunks', intervalMs: 5 });
      await c.close();
      c = await makeNode(root, 'c');
      await wire([a, c]);
      const starts: string[] = [];
      const failed: string[] = [];
      onDownload(c.transfer, 'start', (e) => starts.push(e.start.via));
      onDownload(c.transfer, 'failed', (e) => failed.push(e.failure.error));
      const fin = done(c);
      const [resumed, asked] = await Promise.allSettled([c.transfer.resumePartials(), c.transfer.download('f.bin')]);
      assert.is(resumed.status, 'fulfilled');
      const summary = await fin;
      assert.is(starts.length, 1, `started ${starts.join(', ')}`);
      assert.is(asked.status === 'fulfilled', starts[0] === 'command');
      assert.is(sha(await readFile(summary.path)), sha(bytes));
      assert.equal(await readdir(join(c.dir, 'downloads')), ['f.bin']);
      assert.equal(failed, []);
      assert.is(c.transfer.list().length, 0);
    } finally {
      await Promise.all([a, c].map((n) => n.close()));
    }
  });
}));

test('one host with many receiver ports gets at most maxLinksPerAddress upload links; then BUSY', withTimeout(10000, async () => {
  await withNodes(async (root) => {
    const a = await makeNode(root, 'a', { files: { 'x.bin': randomBytes(2 * CS) } });
    const uploads = new UploadManager({ selfId: a.id, source: a.transfer.source, onWarning: () => undefined, maxLinksPerAddress: 2 });
    const sinks: Server[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const srv = createServer((sock) => sock.on('error', () => undefined).resume());
        sinks.push(srv);
        await new Promise<void>((r) => srv.listen(0, HOST, r));
      }
      const id = a.store.files()[0]!.manifest.id;
      const ask = (srv: Server) => uploads.enqueue({ address: HOST, port: (srv.address() as AddressInfo).port, id, chunks: [0], token: randomBytes(16).toString('hex') });
      await ask(sinks[0]!);
      await ask(sinks[1]!);
      const third = await ask(sinks[2]!).catch((e: unknown) => e);
      assert.ok(isLanmeshError(third, 'BUSY'), String(third));
      await ask(sinks[0]!);
    } finally {
      uploads.close();
      for (const srv of sinks) srv.close();
      await a.close();
    }
  });
}));

test.run();
