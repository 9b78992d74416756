// Issue 15 items 2, 3(a)(b)(c) and 9: one cheap attacker on the LAN (another loopback address, real
// sockets, in-process peers) must not lock a port, freeze uploads or grow a downloader's memory,
// and an honest peer is served while the attack runs (not only after it). Each flood is bounded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { SenderPort } from '../../src/transfer/sender.js';
import { UploadManager } from '../../src/transfer/upload.js';
import { chunkRequestHandler } from '../../src/transfer/chunk-requests.js';
import { DEFAULT_MAX_PER_ADDRESS } from '../../src/transfer/tcp-listener.js';
import { FramedConnection, dialFramed } from '../../src/wire/connection.js';
import { FRAME_CHUNK, FRAME_CONTROL, MAX_FRAME, encodeControl } from '../../src/wire/frame.js';
import type { ControlMessage } from '../../src/wire/messages.js';
import { asFileId, asPeerId, type FileId, type Manifest, type PeerId } from '../../src/types.js';
import { withTimeout, waitFor } from '../support/with-timeout.js';
import { CS, HOST, sha, makeNode, wire, done, withNodes, type Node, reachOf } from '../support/transfer-nodes.js';
import { readFile } from 'node:fs/promises';

const ATTACKER = '127.0.0.2';
const MiB = 1024 * 1024;

function connectFrom(localAddress: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: HOST, port, localAddress });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** The peer still answers a catalog request from an honest address within 1 s. */
async function answersWithin1s(port: number): Promise<number> {
  const t0 = Date.now();
  const conn = await dialFramed(HOST, port, { timeoutMs: 1000 });
  try {
    await conn.request({ t: 'catalog.get' }, { timeoutMs: 1000 });
    return Date.now() - t0;
  } finally {
    conn.close();
  }
}

/** A frame header (5 bytes) declaring `length`. */
function header(length: number, type: number): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(length, 0);
  b[4] = type;
  return b;
}

test('3(a) 300 idle connections from one address keep only its share of the sender port; others are answered', withTimeout(20_000, async () => {
  await withNodes(async (root) => {
    const a = await makeNode(root, 'a', { files: { 'x.bin': randomBytes(CS) } });
    const socks: Socket[] = [];
    let closed = 0;
    try {
      for (let i = 0; i < 300; i++) {
        const s = await connectFrom(ATTACKER, a.sender.port).catch(() => undefined);
        if (!s) continue;
        s.on('error', () => undefined);
        s.on('close', () => closed++);
        socks.push(s);
      }
      // Before: all 256 port slots went to the attacker and every other peer was reset.
      await waitFor(() => closed >= socks.length - DEFAULT_MAX_PER_ADDRESS, { timeoutMs: 5000, what: 'connections over the share closed' });
      const ms = await answersWithin1s(a.sender.port);
      console.log(`3(a): ${socks.length - closed} of ${socks.length} attacker connections kept; catalog answered in ${ms} ms`);
      assert.is(socks.length - closed, DEFAULT_MAX_PER_ADDRESS);
    } finally {
      for (const s of socks) s.destroy();
      await a.close();
    }
  });
}));

test('3(b) slowloris (one byte at a time inside a declared frame) is closed at the frame deadline', withTimeout(20_000, async () => {
  await withNodes(async (root) => {
    const a = await makeNode(root, 'a', { files: { 'x.bin': randomBytes(CS) } });
    const port = await SenderPort.start({ port: 0, host: HOST, source: a.transfer.source, onWarning: () => undefined, frameTimeoutMs: 1000 });
    const socks: Socket[] = [];
    const timers: NodeJS.Timeout[] = [];
    let closed = 0;
    try {
      for (let i = 0; i < 16; i++) {
        const s = await connectFrom('127.0.0.3', port.port);
        s.on('error', () => undefined);
        s.on('close', () => closed++);
        s.write(header(1000, FRAME_CONTROL));
        // Never idle: a byte every 100 ms, far inside the idle timeout.
        timers.push(setInterval(() => s.writable && s.write('{'), 100));
        socks.push(s);
      }
      const ms = await answersWithin1s(port.port);
      // Before: nothing bounded a frame's time, and the trickle kept every connection open for ever.
      await waitFor(() => closed === socks.length, { timeoutMs: 5000, what: 'slowloris connections closed' });
      console.log(`3(b): ${closed}/${socks.length} trickling connections closed; catalog answered in ${ms} ms during the trickle`);
    } finally {
      for (const t of timers) clearInterval(t);
      for (const s of socks) s.destroy();
      await port.close();
      await a.close();
    }
  });
}));

test('3(b) a client that pipelines catalog requests and never reads is closed at the request deadline', withTimeout(20_000, async () => {
  const entries = Array.from({ length: 30_000 }, (_, i) => ({ id: asFileId(i.toString(16).padStart(64, '0')), name: `file number ${i} with a longish name.bin`, size: 1000, chunkSize: CS }));
  const source = { peerId: asPeerId('0123456789abcdef'), revision: () => 1, entries: () => entries, manifest: () => undefined };
  const warnings: string[] = [];
  const port = await SenderPort.start({ port: 0, host: HOST, source, onWarning: (w) => warnings.push(w), requestDeadlineMs: 1000 });
  const s = await connectFrom('127.0.0.4', port.port);
  try {
    s.on('error', () => undefined);
    let closed = false;
    s.on('close', () => (closed = true));
    s.pause();
    for (let rid = 1; rid <= 8; rid++) s.write(encodeControl({ t: 'catalog.get', rid }));
    // Before: after 8 unread answers the connection was paused, hence never idle: held for ever.
    await waitFor(() => warnings.some((w) => /not answered within 1000 ms/.test(w)), { timeoutMs: 8000, what: 'the request deadline' });
    // The client sees the close once it reads what was sent before it.
    s.resume();
    await waitFor(() => closed, { timeoutMs: 5000, what: 'the unread connection to close' });
    console.log(`3(b'): a reader that never reads was closed; catalog answered in ${await answersWithin1s(port.port)} ms meanwhile`);
  } finally {
    s.destroy();
    await port.close();
  }
}));

test('3(c) a downloader\'s receiver port kept full by one address: seeders still dial back, the download finishes', withTimeout(30_000, async () => {
  await withNodes(async (root) => {
    const bytes = randomBytes(12 * CS + 7);
    const a = await makeNode(root, 'a');
    const b = await makeNode(root, 'b', { files: { 'f.bin': bytes } });
    const open = new Set<Socket>();
    let opened = 0;
    let stopped = false;
    // 300 connections; each one the port holds and later closes (hello timeout) is reopened at once,
    // so the port stays as full as the attacker can make it. Refused ones are not retried.
    const one = async (): Promise<void> => {
      opened++;
      const s = await connectFrom(ATTACKER, a.receiverPort).catch(() => undefined);
      if (!s) return;
      const t0 = Date.now();
      s.on('error', () => undefined);
      open.add(s);
      s.on('close', () => {
        open.delete(s);
        if (!stopped && Date.now() - t0 > 1000) void one();
      });
    };
    try {
      await wire([a, b]);
      for (let i = 0; i < 300; i++) await one();
      // Before: 256 held (hello timeout 10 s, then reopened), and a seeder's dial-back was refused.
      await waitFor(() => open.size <= DEFAULT_MAX_PER_ADDRESS, { timeoutMs: 5000, what: 'refused connections gone' });
      const finished = done(a);
      await a.transfer.download('f.bin');
      const s = await finished;
      assert.is(sha(await readFile(s.path)), sha(bytes));
      console.log(`3(c): download finished in ${s.ms} ms with ${open.size} attacker connections open (${opened} opened)`);
      assert.is(open.size, DEFAULT_MAX_PER_ADDRESS, 'the attacker still held its share during the download');
    } finally {
      stopped = true;
      for (const s of open) s.destroy();
      await Promise.all([a, b].map((n) => n.close()));
    }
  });
}));

/** A requester from ATTACKER that asks for many chunks on `ports` receiver ports and never reads them. */
async function starve(seeder: Node, id: FileId, chunks: number, ports: number): Promise<{ servers: Server[]; sockets: Socket[]; close(): void }> {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  for (let i = 0; i < ports; i++) {
    const srv = createServer((s) => {
      s.on('error', () => undefined);
      s.pause();
      sockets.push(s);
    });
    await new Promise<void>((r) => srv.listen(0, ATTACKER, r));
    servers.push(srv);
  }
  const conn = new FramedConnection(await connectFrom(ATTACKER, seeder.sender.port), { idleTimeoutMs: 0 });
  conn.on('warning', () => undefined);
  const all = Array.from({ length: chunks }, (_, k) => k);
  for (const srv of servers) {
    const port = (srv.address() as { port: number }).port;
    for (let rep = 0; rep < Math.floor(1024 / chunks); rep++) {
      await conn.request({ t: 'chunks.get', id, chunks: all, token: randomBytes(16).toString('hex'), port });
    }
  }
  return {
    servers,
    sockets,
    close() {
      conn.close();
      for (const s of sockets) s.destroy();
      for (const srv of servers) srv.close();
    },
  };
}

test('2: four receiver ports that ask and never read do not freeze the seeder\'s uploads for others', withTimeout(40_000, async () => {
  await withNodes(async (root) => {
    const big = randomBytes(256 * CS);
    const small = randomBytes(6 * CS + 1);
    const b = await makeNode(root, 'b', { files: { 'big.bin': big, 'small.bin': small }, uploadSlots: 4 });
    const a = await makeNode(root, 'a');
    let attack: Awaited<ReturnType<typeof starve>> | undefined;
    try {
      await wire([a, b]);
      const bigId = b.store.files().find((f) => f.manifest.name === 'big.bin')!.manifest.id;
      attack = await starve(b, bigId, 256, 4);
      // Every attacker link is stuck: waiting for the attacker to read, or for a slot.
      await waitFor(() => b.transfer.uploads.linksWaiting() >= 4, { timeoutMs: 15_000, what: 'the attack to take hold' });
      const ms = await answersWithin1s(b.sender.port);
      const finished = done(a);
      await a.transfer.download('small.bin');
      const s = await finished;
      assert.is(sha(await readFile(s.path)), sha(small));
      // Before: 4 slots, each held by an attacker link waiting for drain: this download never finished.
      console.log(`2: honest download finished in ${s.ms} ms with ${b.transfer.uploads.linksWaiting()} attacker links stuck; catalog answered in ${ms} ms`);
      assert.ok(b.transfer.uploads.linksWaiting() >= 1, 'the attack was still running');
    } finally {
      attack?.close();
      await Promise.all([a, b].map((n) => n.close()));
    }
  });
}));

test('2: a link whose requester does not read is closed after the send deadline, and its slot freed', withTimeout(20_000, async () => {
  await withNodes(async (root) => {
    const b = await makeNode(root, 'b', { files: { 'big.bin': randomBytes(256 * CS) } });
    const warnings: string[] = [];
    const up = new UploadManager({ selfId: b.id, source: b.transfer.source, onWarning: (w) => warnings.push(w), sendTimeoutMs: 500 });
    const port = await SenderPort.start({ port: 0, host: HOST, source: b.transfer.source, handlers: [chunkRequestHandler(up, b.transfer.source)], onWarning: () => undefined });
    let attack: Awaited<ReturnType<typeof starve>> | undefined;
    try {
      const id = b.store.files()[0]!.manifest.id;
      attack = await starve({ ...b, sender: port }, id, 256, 1);
      // Before: a send waited for drain for ever.
      await waitFor(() => up.stats.stalled >= 1, { timeoutMs: 10_000, what: 'the stalled link to be closed' });
      assert.match(warnings.join('\n'), /not taken in 500 ms/);
      await waitFor(() => up.linksWaiting() === 0, { what: 'no link waiting' });
    } finally {
      attack?.close();
      up.close();
      await port.close();
      await b.close();
    }
  });
}));

/** An asked holder that answers manifest and chunk requests, then opens `links` data connections to the requester, each with an unfinished 16 MiB frame. */
async function bloatingHolder(id: PeerId, manifest: Manifest, links: number): Promise<{ port: number; sent: () => number; open: () => number; close(): void }> {
  const sockets: Socket[] = [];
  let sent = 0;
  let started = false;
  const server = createServer((s) => {
    s.on('error', () => undefined);
    const conn = new FramedConnection(s, { idleTimeoutMs: 0 });
    conn.on('warning', () => undefined);
    conn.on('control', (msg: ControlMessage) => {
      if (msg.t === 'manifest.get') void conn.send({ t: 'manifest', rid: msg.rid, manifest }).catch(() => undefined);
      if (msg.t !== 'chunks.get') return;
      void conn.send({ t: 'chunks.ok', rid: msg.rid }).catch(() => undefined);
      if (started) return;
      started = true;
      for (let i = 0; i < links; i++) {
        const d = connect({ host: HOST, port: msg.port });
        d.on('error', () => undefined);
        sockets.push(d);
        d.once('connect', () => {
          const token = Buffer.from(msg.token, 'hex');
          d.write(Buffer.concat([encodeControl({ t: 'data.hello', peer: id }), header(MAX_FRAME, FRAME_CHUNK), token, randomBytes(100)]), () => sent++);
        });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  return {
    port: (server.address() as { port: number }).port,
    sent: () => sent,
    open: () => sockets.filter((s) => !s.destroyed && !s.readableEnded).length,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

test('9: an asked holder opening 24 data connections with unfinished 16 MiB frames: one is kept, memory stays small, the download finishes', withTimeout(40_000, async () => {
  await withNodes(async (root) => {
    const bytes = randomBytes(24 * CS + 5);
    const a = await makeNode(root, 'a', { stallMs: 1000 });
    const b = await makeNode(root, 'b', { files: { 'f.bin': bytes } });
    const evilId = asPeerId(randomBytes(8).toString('hex'));
    const manifest = b.store.files()[0]!.manifest;
    const evil = await bloatingHolder(evilId, manifest, 24);
    try {
      const entries = b.transfer.source.entries();
      a.catalog.setRemote(b.id, 'b', entries);
      a.catalog.setRemote(evilId, 'evil', entries);
      a.catalog.locate(evilId, { name: 'evil', address: HOST, ports: { receiver: 1, sender: evil.port, distributor: 1, distributee: 1 } });
      a.catalog.locate(b.id, reachOf(b));
      const base = process.memoryUsage();
      const finished = done(a);
      await a.transfer.download('f.bin');
      await waitFor(() => evil.sent() === 24, { timeoutMs: 10_000, what: 'the 24 bloating connections' });
      // Each newer link replaced the older one: at most one stays.
      await waitFor(() => a.transfer.stats().replacedLinks >= 23, { timeoutMs: 10_000, what: 'older links replaced' });
      const during = process.memoryUsage();
      const grewMiB = (during.arrayBuffers - base.arrayBuffers) / MiB;
      const s = await finished;
      assert.is(sha(await readFile(s.path)), sha(bytes));
      console.log(`9: arrayBuffers +${grewMiB.toFixed(1)} MiB, rss ${(during.rss / MiB).toFixed(0)} MiB during the attack; ${a.transfer.stats().replacedLinks} links replaced; download finished in ${s.ms} ms`);
      // Before: every link held a 16 MiB frame body from its header on (24 × 16 MiB = 384 MiB).
      assert.ok(grewMiB < 64, `grew ${grewMiB} MiB`);
    } finally {
      evil.close();
      await Promise.all([a, b].map((n) => n.close()));
    }
  });
}));

test.run();
