// The pull protocol end to end inside one process on 127.0.0.1 (no discovery: catalogs are handed
// over directly): multi-source downloads, verification and bans, resume, partial seeding, the limits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SenderPort } from '../../src/transfer/sender.js';
import { DistributorPort } from '../../src/push/distributor.js';
import { UploadManager, type ChunkSource } from '../../src/transfer/upload.js';
import { chunkRequestHandler } from '../../src/transfer/chunk-requests.js';
import { dialFramed, RemoteError } from '../../src/wire/connection.js';
import { MAX_REQUEST_FRAME } from '../../src/wire/frame.js';
import { PRE_HELLO_MAX_FRAME } from '../../src/transfer/receiver.js';
import { asPeerId, type FileId } from '../../src/types.js';
import { withTimeout, waitFor } from '../support/with-timeout.js';
import { CS, HOST, sha, makeNode, wire, done, withNodes, nextDownload } from '../support/transfer-nodes.js';

test('a file held by two seeders comes from both, verified, into downloads/; then it is seeded', withTimeout(20000, async () => {
  await withNodes(async (root) => {
    const bytes = randomBytes(40 * CS + 123);
    const a = await makeNode(root, 'a', { files: { 'big file ü.bin': bytes } });
    const b = await makeNode(root, 'b', { files: { 'big file ü.bin': bytes } });
    const c = await makeNode(root, 'c');
    try {
      await wire([a, b, c]);
      const finished = done(c);
      const start = await c.transfer.download('big file ü.bin');
      assert.is(start.holders, 2);
      assert.is(start.chunks, 41);
      const s = await finished;
      assert.is(s.fetched, 41);
      assert.is(s.refetched, 0);
      assert.is(s.shares.length, 2, 'both holders sent chunks');
      for (const h of s.shares) assert.ok(h.bytes > 0);
      assert.is(s.shares.reduce((n, h) => n + h.bytes, 0), bytes.length);
      assert.is(s.path, join(c.dir, 'downloads', 'big file ü.bin'));
      assert.is(sha(await readFile(s.path)), sha(bytes));
      assert.equal(await readdir(join(c.dir, '.lanmesh', 'partial')), []);
      assert.ok(c.store.byId(start.id), 'offered at once');
      assert.ok(c.transfer.source.has(start.id));
    } finally {
      await Promise.all([a, b, c].map((n) => n.close()));
    }
  });
}));

test('a seeder that sends corrupt chunks is dropped and named; the file is still right', withTimeout(20000, async () => {
  await withNodes(async (root) => {
    const bytes = randomBytes(30 * CS);
    const corrupt = (real: ChunkSource): ChunkSource => ({
      has: (id) => real.has(id),
      readChunk: async (id, i) => {
        const data = Buffer.from(await real.readChunk(id, i));
        data[0] = data[0]! ^ 0xff;
        return data;
      },
    });
    const good = await makeNode(root, 'good', { files: { 'f.bin': bytes } });
    const bad = await makeNode(root, 'bad', { files: { 'f.bin': bytes }, serve: corrupt });
    const c = await makeNode(root, 'c');
    try {
      await wire([good, bad, c]);
      const dropped = nextDownload(c.transfer, 'dropped');
      const finished = done(c);
      await c.transfer.download('f.bin');
      const d = (await dropped).dropped;
      assert.is(d.name, 'bad');
      assert.match(d.reason, /failed verification/);
      const s = await finished;
      assert.equal(s.shares.map((h) => h.name), ['good']);
      assert.equal(s.dropped.map((x) => x.name), ['bad']);
      assert.is(sha(await readFile(s.path)), sha(bytes));
    } finally {
      await Promise.all([good, bad, c].map((n) => n.close()));
    }
  });
}));

test('a download stopped midway resumes with every verified chunk kept and none fetched again', withTimeout(30000, async () => {
  await withNodes(async (root) => {
    const bytes = randomBytes(200 * CS);
    const a = await makeNode(root, 'a', { files: { 'r.bin': bytes } });
    let c = await makeNode(root, 'c', { window: 2 });
    try {
      await wire([a, c]);
      const start = await c.transfer.download('r.bin');
      await waitFor(() => (c.transfer.list()[0]?.chunksDone ?? 0) >= 20, { what: '20 chunks', intervalMs: 5 });
      await c.close();
      c = await makeNode(root, 'c');
      const finished = done(c);
      await wire([a, c]);
      await c.transfer.resumePartials();
      const s = await finished;
      assert.ok(s.kept >= 20, `kept ${s.kept}`);
      assert.is(s.kept + s.fetched, start.chunks);
      assert.is(s.refetched, 0);
      assert.is(sha(await readFile(s.path)), sha(bytes));
    } finally {
      await Promise.all([a, c].map((n) => n.close()));
    }
  });
}));

test('0-byte and 1-byte files; a name taken in downloads/ becomes "name (1).ext"', withTimeout(20000, async () => {
  await withNodes(async (root) => {
    const a = await makeNode(root, 'a', { files: { 'empty.txt': Buffer.alloc(0), 'one.txt': Buffer.from('x') } });
    const c = await makeNode(root, 'c');
    try {
      await mkdir(join(c.dir, 'downloads'), { recursive: true });
      await writeFile(join(c.dir, 'downloads', 'one.txt'), 'already here, not to be overwritten');
      await wire([a, c]);
      let finished = done(c);
      await c.transfer.download('empty.txt');
      let s = await finished;
      assert.is((await readFile(s.path)).length, 0);
      finished = done(c);
      await c.transfer.download('one.txt');
      s = await finished;
      assert.is(s.path, join(c.dir, 'downloads', 'one (1).txt'));
      assert.is(await readFile(s.path, 'utf8'), 'x');
      assert.is(await readFile(join(c.dir, 'downloads', 'one.txt'), 'utf8'), 'already here, not to be overwritten');
    } finally {
      await Promise.all([a, c].map((n) => n.close()));
    }
  });
}));

test('two downloaders of one file serve each other the chunks they already have', withTimeout(30000, async () => {
  await withNodes(async (root) => {
    const bytes = randomBytes(120 * CS);
    // The only full holder serves slowly, so the downloaders overlap and trade partial chunks.
    const slow = (real: ChunkSource): ChunkSource => ({
      has: (id) => real.has(id),
      readChunk: async (id, i) => {
        await new Promise((r) => setTimeout(r, 15));
        return real.readChunk(id, i);
      },
    });
    const a = await makeNode(root, 'a', { files: { 's.bin': bytes }, serve: slow });
    const c = await makeNode(root, 'c');
    const d = await makeNode(root, 'd');
    try {
      await wire([a, c, d]);
      const cDone = done(c);
      await c.transfer.download('s.bin');
      await waitFor(() => (c.transfer.list()[0]?.chunksDone ?? 0) >= 30, { what: 'c has 30 chunks', intervalMs: 5 });
      const dDone = done(d);
      await d.transfer.download('s.bin');
      const [sc, sd] = await Promise.all([cDone, dDone]);
      const fromC = sd.shares.find((h) => h.name === 'c');
      assert.ok(fromC && fromC.chunks >= 10, `d got ${fromC?.chunks ?? 0} chunks from c: ${JSON.stringify(sd.shares)}`);
      assert.is(sha(await readFile(sc.path)), sha(bytes));
      assert.is(sha(await readFile(sd.path)), sha(bytes));
    } finally {
      await Promise.all([a, c, d].map((n) => n.close()));
    }
  });
}));

test('limits: unknown tokens are dropped, a file not held gets NOT_FOUND, the distributor port says UNSUPPORTED to a request', withTimeout(10000, async () => {
  await withNodes(async (root) => {
    const a = await makeNode(root, 'a', { files: { 'x.bin': randomBytes(CS) } });
    const stub = await DistributorPort.start(0, HOST, () => undefined, () => undefined);
    try {
      // A data connection from a holder that was asked for something: its chunk with another token is dropped.
      const holder = asPeerId('0123456789abcdef');
      const ticket = a.transfer.tokens.issue({ peer: holder, address: HOST, onChunk: () => undefined, onMissing: () => undefined });
      const conn = await dialFramed(HOST, a.receiverPort);
      await conn.send({ t: 'data.hello', peer: holder });
      await conn.sendChunk(randomBytes(16), 0, randomBytes(100));
      await waitFor(() => a.transfer.stats().unknownChunks === 1, { what: 'chunk dropped' });
      assert.not.ok(conn.isClosed);
      conn.close();
      a.transfer.tokens.retire(ticket);

      const req = await dialFramed(HOST, a.sender.port);
      const missing = ('ab'.repeat(32)) as FileId;
      const err = await req.request({ t: 'chunks.get', id: missing, chunks: [0], token: 'cd'.repeat(16), port: a.receiverPort }).catch((e) => e);
      assert.ok(err instanceof RemoteError && err.remoteCode === 'NOT_FOUND', String(err));
      req.close();

      const d = await dialFramed(HOST, stub.port);
      const unsupported = await d.request({ t: 'catalog.get' }).catch((e) => e);
      assert.ok(unsupported instanceof RemoteError && unsupported.remoteCode === 'UNSUPPORTED', String(unsupported));
      d.close();
    } finally {
      await stub.close();
      await a.close();
    }
  });
}));

test('limits: the receiver closes a data connection nobody asked for, and any big frame before its hello', withTimeout(10000, async () => {
  await withNodes(async (root) => {
    const a = await makeNode(root, 'a');
    try {
      // A well-formed hello from a peer that was asked nothing: closed at once, its chunk never read.
      const stranger = await dialFramed(HOST, a.receiverPort);
      await stranger.send({ t: 'data.hello', peer: asPeerId('fedcba9876543210') });
      await stranger.sendChunk(randomBytes(16), 0, randomBytes(100)).catch(() => undefined);
      await once(stranger, 'close');
      assert.is(a.transfer.stats().unexpectedLinks, 1);
      assert.is(a.transfer.stats().unknownChunks, 0);

      // A chunk-sized frame header before any hello: refused on its header, before a byte of body.
      const eager = await dialFramed(HOST, a.receiverPort);
      await eager.sendChunk(randomBytes(16), 0, randomBytes(PRE_HELLO_MAX_FRAME)).catch(() => undefined);
      await once(eager, 'close');

      // The sender port takes requests, not megabytes: a frame over MAX_REQUEST_FRAME closes the connection.
      const big = await dialFramed(HOST, a.sender.port);
      await big.sendChunk(randomBytes(16), 0, randomBytes(MAX_REQUEST_FRAME)).catch(() => undefined);
      await once(big, 'close');
      // A normal request on a new connection still works: nothing else was harmed.
      const ok = await dialFramed(HOST, a.sender.port);
      const cat = await ok.request({ t: 'catalog.get' });
      assert.is(cat.t, 'catalog');
      ok.close();
    } finally {
      await a.close();
    }
  });
}));

test('limits: a requester with too much queued gets BUSY; an unreachable receiver port gets a clear error', withTimeout(10000, async () => {
  await withNodes(async (root) => {
    const a = await makeNode(root, 'a', { files: { 'x.bin': randomBytes(4 * CS) } });
    const c = await makeNode(root, 'c');
    const uploads = new UploadManager({ selfId: a.id, source: a.transfer.source, onWarning: () => undefined, maxQueuedPerLink: 2, slots: 1 });
    const sender = await SenderPort.start({ port: 0, host: HOST, source: a.transfer.source, handlers: [chunkRequestHandler(uploads, a.transfer.source)], onWarning: () => undefined });
    try {
      const id = a.store.files()[0]!.manifest.id;
      const req = await dialFramed(HOST, sender.port);
      const token = () => randomBytes(16).toString('hex');
      const busy = await req.request({ t: 'chunks.get', id, chunks: [0, 1, 2], token: token(), port: c.receiverPort }).catch((e) => e);
      assert.ok(busy instanceof RemoteError && busy.remoteCode === 'BUSY', String(busy));
      await c.close();
      const closedPort = c.receiverPort;
      const refused = await req.request({ t: 'chunks.get', id, chunks: [0], token: token(), port: closedPort }).catch((e) => e);
      assert.ok(refused instanceof RemoteError && refused.remoteCode === 'INTERNAL', String(refused));
      assert.match(refused.message, `cannot open a data connection to 127.0.0.1:${closedPort}`);
      req.close();
    } finally {
      uploads.close();
      await sender.close();
      await Promise.all([a.close(), c.close()]);
    }
  });
}));

test.run();
