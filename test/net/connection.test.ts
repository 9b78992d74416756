// FramedConnection over real TCP on 127.0.0.1: requests, errors, timeouts, closes, backpressure,
// protocol violations from a raw socket, idle timeout, and bytes handed over by a sniffer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { isLanmeshError } from '../../src/errors.js';
import type { LanmeshError } from '../../src/errors.js';
import { FramedConnection, RemoteError, dialFramed } from '../../src/wire/connection.js';
import type { ChunkFrame, FramedConnectionInit } from '../../src/wire/connection.js';
import { MAX_FRAME, encodeControl } from '../../src/wire/frame.js';
import type { ControlMessage } from '../../src/wire/messages.js';
import type { FileId, PeerId } from '../../src/types.js';
import { freeTcpPort } from '../support/free-port.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

const ID = 'c'.repeat(64) as FileId;
const PEER = '0123456789abcdef' as PeerId;
const TOKEN = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

interface Accepted {
  conn: FramedConnection;
  socket: Socket;
}

/** A TCP server on 127.0.0.1:0 whose accepted sockets are wrapped (or not, with raw: true). */
async function listen(init: FramedConnectionInit = {}, raw = false) {
  const accepted: Accepted[] = [];
  const rawSockets: Socket[] = [];
  const waiters: Array<() => void> = [];
  const server: Server = createServer((socket) => {
    if (raw) rawSockets.push(socket);
    else accepted.push({ conn: new FramedConnection(socket, init), socket });
    waiters.splice(0).forEach((w) => w());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    port,
    accepted,
    rawSockets,
    /** The n-th accepted connection (1-based), once it exists. */
    async nth(n: number): Promise<Accepted> {
      while (accepted.length < n) await new Promise<void>((r) => waiters.push(r));
      return accepted[n - 1];
    },
    async close(): Promise<void> {
      for (const a of accepted) a.conn.close();
      for (const s of rawSockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<LanmeshError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isLanmeshError(e), `expected LanmeshError ${code}, got ${String(e)}`);
    assert.is((e as LanmeshError).code, code, (e as Error).message);
    return e as LanmeshError;
  }
  assert.unreachable(`expected rejection with ${code}`);
  throw new Error('unreachable');
}

function catalogServer(conn: FramedConnection): void {
  conn.on('control', (msg: ControlMessage) => {
    if (msg.t === 'catalog.get') {
      void conn.send({ t: 'catalog', rid: msg.rid, peer: PEER, rev: 7, files: [{ id: ID, name: 'f.txt', size: 3, chunkSize: 1024 }] });
    } else if (msg.t === 'manifest.get') {
      void conn.send({ t: 'error', rid: msg.rid, code: 'NOT_FOUND', message: `no file ${msg.id}` });
    }
  });
}

test(
  'request/response; concurrent requests answered out of order each get their own reply',
  withTimeout(5000, async () => {
    const srv = await listen();
    const client = await dialFramed('127.0.0.1', srv.port);
    try {
      const { conn } = await srv.nth(1);
      catalogServer(conn);
      const res = await client.request({ t: 'catalog.get' });
      assert.is(res.t, 'catalog');
      assert.is(res.peer, PEER);
      assert.is(res.rev, 7);
      assert.equal(res.files, [{ id: ID, name: 'f.txt', size: 3, chunkSize: 1024 }]);

      const held: Array<Extract<ControlMessage, { t: 'chunks.get' }>> = [];
      conn.on('control', (msg) => {
        if (msg.t !== 'chunks.get') return;
        held.push(msg);
        if (held.length === 3) for (const m of held.reverse()) void conn.send({ t: 'chunks.ok', rid: m.rid });
      });
      const asks = [1, 2, 3].map((i) =>
        client.request({ t: 'chunks.get', id: ID, chunks: [i], token: TOKEN.toString('hex'), port: 9000 }),
      );
      const oks = await Promise.all(asks);
      assert.equal(oks.map((o) => o.t), ['chunks.ok', 'chunks.ok', 'chunks.ok']);
      assert.equal(new Set(oks.map((o) => o.rid)).size, 3);
    } finally {
      client.close();
      await srv.close();
    }
  }),
);

test(
  'an error reply rejects with REMOTE_ERROR carrying the remote code and message',
  withTimeout(5000, async () => {
    const srv = await listen();
    const client = await dialFramed('127.0.0.1', srv.port);
    try {
      catalogServer((await srv.nth(1)).conn);
      const err = await rejectsWith(client.request({ t: 'manifest.get', id: ID }), 'REMOTE_ERROR');
      assert.ok(err instanceof RemoteError);
      assert.is((err as RemoteError).remoteCode, 'NOT_FOUND');
      assert.is((err as RemoteError).remoteMessage, `no file ${ID}`);
      assert.match(err.message, 'manifest.get (rid 1) to 127.0.0.1:');
      assert.not.ok(client.isClosed, 'an error reply keeps the connection');
    } finally {
      client.close();
      await srv.close();
    }
  }),
);

test(
  'timeout rejects with TIMEOUT; a late reply is a warning and the connection still works',
  withTimeout(5000, async () => {
    const srv = await listen();
    const client = await dialFramed('127.0.0.1', srv.port);
    const warnings: Error[] = [];
    client.on('warning', (e) => warnings.push(e));
    try {
      const { conn } = await srv.nth(1);
      const seen: ControlMessage[] = [];
      conn.on('control', (m) => seen.push(m));
      const err = await rejectsWith(client.request({ t: 'catalog.get' }, { timeoutMs: 100 }), 'TIMEOUT');
      assert.match(err.message, 'timed out after 100 ms');
      await waitFor(() => seen.length === 1, { what: 'request seen by server' });
      const late = seen[0];
      assert.ok(late.t === 'catalog.get');
      if (late.t !== 'catalog.get') return;
      await conn.send({ t: 'catalog', rid: late.rid, peer: PEER, rev: 1, files: [] });
      await waitFor(() => warnings.length === 1, { what: 'late-reply warning' });
      assert.match(warnings[0].message, 'unknown or expired rid 1');
      catalogServer(conn);
      const res = await client.request({ t: 'catalog.get' });
      assert.is(res.rid, 2);
    } finally {
      client.close();
      await srv.close();
    }
  }),
);

test(
  'aborting a request rejects it with the signal reason',
  withTimeout(5000, async () => {
    const srv = await listen();
    const client = await dialFramed('127.0.0.1', srv.port);
    try {
      const ac = new AbortController();
      const p = client.request({ t: 'catalog.get' }, { signal: ac.signal });
      ac.abort(new Error('user gave up'));
      try {
        await p;
        assert.unreachable('not aborted');
      } catch (e) {
        assert.is((e as Error).message, 'user gave up');
      }
      try {
        await client.request({ t: 'catalog.get' }, { signal: ac.signal });
        assert.unreachable('already-aborted signal accepted');
      } catch (e) {
        assert.is((e as Error).message, 'user gave up');
      }
    } finally {
      client.close();
      await srv.close();
    }
  }),
);

test(
  'the peer closing mid-request rejects with CONNECTION_CLOSED and emits close',
  withTimeout(5000, async () => {
    const srv = await listen();
    const client = await dialFramed('127.0.0.1', srv.port);
    try {
      const { conn } = await srv.nth(1);
      conn.on('control', () => conn.close());
      const closed = once(client, 'close');
      const err = await rejectsWith(client.request({ t: 'catalog.get' }), 'CONNECTION_CLOSED');
      assert.match(err.message, 'catalog.get (rid 1)');
      const [reason] = await closed;
      assert.is(reason, undefined, 'a clean close by the peer carries no error');
      assert.ok(client.isClosed);
      await rejectsWith(client.send({ t: 'chunks.ok', rid: 1 }), 'CONNECTION_CLOSED');
      await rejectsWith(client.request({ t: 'catalog.get' }), 'CONNECTION_CLOSED');
    } finally {
      client.close();
      await srv.close();
    }
  }),
);

test(
  'close() is idempotent, emits close once and rejects pending requests',
  withTimeout(5000, async () => {
    const srv = await listen();
    const client = await dialFramed('127.0.0.1', srv.port);
    try {
      let closes = 0;
      client.on('close', () => closes++);
      const pending = client.request({ t: 'catalog.get' });
      client.close();
      client.close();
      await rejectsWith(pending, 'CONNECTION_CLOSED');
      assert.is(closes, 1);
      const { conn } = await srv.nth(1);
      if (!conn.isClosed) await once(conn, 'close');
    } finally {
      client.close();
      await srv.close();
    }
  }),
);

test(
  'backpressure: 40 MiB of chunks to a paused reader block the sender, then arrive byte-exact',
  withTimeout(20000, async () => {
    const srv = await listen();
    const client = await dialFramed('127.0.0.1', srv.port);
    try {
      const { conn, socket } = await srv.nth(1);
      const count = 40;
      const size = 1024 * 1024;
      const chunks = Array.from({ length: count }, (_, i) => createHash('sha512').update(`seed ${i}`).digest());
      const dataOf = (i: number): Buffer => Buffer.alloc(size - (i === count - 1 ? 12345 : 0), chunks[i]);
      const expected = createHash('sha256');
      for (let i = 0; i < count; i++) expected.update(dataOf(i));

      const got = createHash('sha256');
      const indexes: number[] = [];
      let bytes = 0;
      client.on('chunk', (f: ChunkFrame) => {
        assert.ok(f.token.equals(TOKEN));
        assert.ok(f.data.equals(dataOf(f.index)), `chunk ${f.index} byte-exact`);
        indexes.push(f.index);
        got.update(f.data);
        bytes += f.data.length;
      });
      client.pause();

      let sent = 0;
      let maxQueued = 0;
      const sending = (async () => {
        for (let i = 0; i < count; i++) {
          await conn.sendChunk(TOKEN, i, dataOf(i));
          maxQueued = Math.max(maxQueued, socket.writableLength);
          sent++;
        }
      })();
      await waitFor(() => socket.writableNeedDrain, { what: 'sender blocked on drain' });
      const blockedAt = sent;
      assert.ok(blockedAt < count, `sender blocked after ${blockedAt} chunks`);
      assert.is(indexes.length, 0, 'nothing delivered while paused');
      client.resume();
      await sending;
      await waitFor(() => indexes.length === count, { timeoutMs: 15000, what: 'all chunks received' });
      assert.equal(indexes, Array.from({ length: count }, (_, i) => i));
      assert.is(got.digest('hex'), expected.digest('hex'));
      assert.is(bytes, count * size - 12345);
      assert.ok(maxQueued <= socket.writableHighWaterMark + size + 64, `write queue stayed bounded (${maxQueued})`);
    } finally {
      client.close();
      await srv.close();
    }
  }),
);

test(
  'an oversized frame from a raw socket closes only that connection, with a warning',
  withTimeout(5000, async () => {
    const srv = await listen();
    const good = await dialFramed('127.0.0.1', srv.port);
    const raw = connect(srv.port, '127.0.0.1');
    try {
      catalogServer((await srv.nth(1)).conn);
      await once(raw, 'connect');
      const { conn: victim } = await srv.nth(2);
      const warning = once(victim, 'warning');
      const closed = once(victim, 'close');
      const rawClosed = once(raw, 'close');
      const header = Buffer.alloc(5);
      header.writeUInt32BE(MAX_FRAME + 1, 0);
      header[4] = 2;
      raw.on('error', () => {});
      raw.write(header);
      const [w] = (await warning) as [LanmeshError];
      assert.is(w.code, 'FRAME_TOO_LARGE');
      assert.match(w.message, `frame length ${MAX_FRAME + 1}`);
      assert.match(w.message, '127.0.0.1:');
      const [reason] = (await closed) as [LanmeshError];
      assert.is(reason.code, 'FRAME_TOO_LARGE');
      await rawClosed;
      const res = await good.request({ t: 'catalog.get' });
      assert.is(res.rev, 7, 'the other connection still works');
    } finally {
      good.close();
      raw.destroy();
      await srv.close();
    }
  }),
);

test(
  'malformed control message and a frame cut off by EOF are warnings that close the connection',
  withTimeout(5000, async () => {
    const srv = await listen();
    try {
      const cases: Array<[Buffer, string]> = [
        [encodeControl({ t: 'catalog.get', rid: -4 }), 'BAD_MESSAGE'],
        [encodeControl({ t: 'no.such.type', rid: 1 }), 'BAD_MESSAGE'],
        [Buffer.concat([Buffer.from([0, 0, 0, 4, 1]), Buffer.from('{{{')]), 'BAD_MESSAGE'],
        [encodeControl({ t: 'catalog.get', rid: 1 }).subarray(0, 10), 'BAD_FRAME'],
      ];
      for (let i = 0; i < cases.length; i++) {
        const [bytes, code] = cases[i];
        const raw = connect(srv.port, '127.0.0.1');
        raw.on('error', () => {});
        await once(raw, 'connect');
        const { conn } = await srv.nth(i + 1);
        const warning = once(conn, 'warning');
        raw.end(bytes);
        const [w] = (await warning) as [LanmeshError];
        assert.is(w.code, code, w.message);
        if (!conn.isClosed) await once(conn, 'close');
        raw.destroy();
      }
    } finally {
      await srv.close();
    }
  }),
);

test(
  'idle timeout closes a silent connection; traffic keeps it open',
  withTimeout(5000, async () => {
    const idleMs = 300;
    const srv = await listen({ idleTimeoutMs: idleMs });
    const client = await dialFramed('127.0.0.1', srv.port, { idleTimeoutMs: 0 });
    try {
      const { conn } = await srv.nth(1);
      catalogServer(conn);
      const closed = once(conn, 'close');
      const start = Date.now();
      // The server's last activity is at or after the last request was sent (its answer may come
      // back late on a loaded machine), so the idle period is measured from the send.
      let lastActivity = start;
      while (Date.now() - start < 2 * idleMs) {
        lastActivity = Date.now();
        await client.request({ t: 'catalog.get' });
      }
      assert.not.ok(conn.isClosed, 'open while requests flow');
      const clientClosed = once(client, 'close');
      const [reason] = (await closed) as [LanmeshError];
      assert.is(reason.code, 'TIMEOUT');
      assert.match(reason.message, 'idle for');
      assert.ok(Date.now() - lastActivity >= idleMs - 20, 'closed only after the idle period');
      await clientClosed;
    } finally {
      client.close();
      await srv.close();
    }
  }),
);

test(
  'bytes read by a sniffer are passed as initial and decoded first',
  withTimeout(5000, async () => {
    const conns: FramedConnection[] = [];
    const server = createServer((socket) => {
      socket.once('data', (first: Buffer) => {
        socket.pause();
        const conn = new FramedConnection(socket, { initial: first });
        conns.push(conn);
        catalogServer(conn);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const raw = connect(port, '127.0.0.1');
    try {
      await once(raw, 'connect');
      const a = encodeControl({ t: 'catalog.get', rid: 11 });
      const b = encodeControl({ t: 'catalog.get', rid: 12 });
      raw.write(Buffer.concat([a, b.subarray(0, 3)]));
      await waitFor(() => conns.length === 1, { what: 'sniffer handed over' });
      raw.write(b.subarray(3));
      const replies = new FramedConnection(raw);
      const rids: number[] = [];
      replies.on('warning', (e) => rids.push(Number(/rid (\d+)/.exec(e.message)?.[1])));
      await waitFor(() => rids.length === 2, { what: 'both replies' });
      assert.equal(rids, [11, 12]);
      replies.close();
    } finally {
      raw.destroy();
      for (const c of conns) c.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  }),
);

test(
  'end() flushes a last message before closing cleanly',
  withTimeout(5000, async () => {
    const srv = await listen();
    const client = await dialFramed('127.0.0.1', srv.port);
    try {
      const { conn } = await srv.nth(1);
      const got: ControlMessage[] = [];
      client.on('control', (m) => got.push(m));
      const closed = once(client, 'close');
      await conn.send({ t: 'error', code: 'BUSY', message: 'come back later' });
      await conn.end();
      const [reason] = await closed;
      assert.is(reason, undefined);
      assert.equal(got, [{ t: 'error', code: 'BUSY', message: 'come back later' }]);
      assert.ok(conn.isClosed);
    } finally {
      client.close();
      await srv.close();
    }
  }),
);

test(
  'dialFramed: refused port rejects with CONNECTION_CLOSED; an aborted signal rejects at once',
  withTimeout(5000, async () => {
    const port = await freeTcpPort();
    const err = await rejectsWith(dialFramed('127.0.0.1', port), 'CONNECTION_CLOSED');
    assert.match(err.message, `connect to 127.0.0.1:${port} failed`);
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    try {
      await dialFramed('127.0.0.1', port, { signal: ac.signal });
      assert.unreachable('dialled with an aborted signal');
    } catch (e) {
      assert.is((e as Error).message, 'stop');
    }
  }),
);

test(
  'a listener that throws closes that connection with a warning instead of crashing',
  withTimeout(5000, async () => {
    const srv = await listen();
    const client = await dialFramed('127.0.0.1', srv.port);
    try {
      const { conn } = await srv.nth(1);
      conn.on('control', () => {
        throw new Error('handler bug');
      });
      const warning = once(conn, 'warning');
      void client.request({ t: 'catalog.get' }).catch(() => {});
      const [w] = (await warning) as [Error];
      assert.match(w.message, 'handler bug');
      if (!conn.isClosed) await once(conn, 'close');
    } finally {
      client.close();
      await srv.close();
    }
  }),
);

test.run();
