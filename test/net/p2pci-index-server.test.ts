import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { IndexServer, DEFAULT_MAX_BUFFERED_BYTES, type IndexLogEntry } from '../../src/compat/p2pci/index-server.js';
import { formatResponse, type RfcRecord } from '../../src/compat/p2pci/codec.js';
import { formatIndexLog } from '../../src/compat/p2pci/log-format.js';
import { isLanmeshError } from '../../src/errors.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

/** A raw TCP client for transcripts: bytes in, exact bytes out. */
class Raw {
  private buf = Buffer.alloc(0);
  ended = false;
  closed: Promise<unknown>;
  private constructor(readonly socket: Socket) {
    socket.on('data', (b: Buffer) => (this.buf = Buffer.concat([this.buf, b])));
    socket.on('end', () => (this.ended = true));
    socket.on('error', () => {});
    this.closed = once(socket, 'close');
  }
  static async open(port: number): Promise<Raw> {
    const s = connect(port, '127.0.0.1');
    await once(s, 'connect');
    return new Raw(s);
  }
  send(text: string | Buffer): void {
    this.socket.write(text);
  }
  /** Waits for exactly `text` as the next bytes and consumes them. */
  async expect(text: string): Promise<void> {
    const want = Buffer.from(text);
    await waitFor(() => this.buf.length >= want.length || this.ended, { what: JSON.stringify(text) });
    assert.is(this.buf.subarray(0, want.length).toString(), text);
    this.buf = this.buf.subarray(want.length);
  }
  get pending(): string {
    return this.buf.toString();
  }
}

const ADD = (rfc: number, title: string, host: string, port: number) => `ADD RFC ${rfc} P2P-CI/1.0\r\nHost: ${host}\r\nPort: ${port}\r\nTitle: ${title}\r\n\r\n`;
const LIST = 'LIST ALL P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\n\r\n';
const OK = 'P2P-CI/1.0 200 OK\r\n';
const E400 = 'P2P-CI/1.0 400 Bad Request\r\n\r\n';

async function withServer(init: ConstructorParameters<typeof IndexServer>[0], fn: (port: number, s: IndexServer) => Promise<void>): Promise<void> {
  const server = new IndexServer(init);
  try {
    const { port } = await server.start({ port: 0, host: '127.0.0.1' });
    await fn(port, server);
  } finally {
    await server.close();
  }
}

test('transcript: ADD, LOOKUP, LIST ALL, 404, and no greeting on connect', withTimeout(5000, () =>
  withServer({}, async (port) => {
    const a = await Raw.open(port);
    try {
      a.send(ADD(123, 'A Proferred Official ICP', 'thishost.csc.ncsu.edu', 5678));
      await a.expect(`${OK}RFC 123 A Proferred Official ICP thishost.csc.ncsu.edu 5678\r\n\r\n`);
      a.send(ADD(2345, 'Domain Names and Company Name Retrieval', 'thishost.csc.ncsu.edu', 5678));
      await a.expect(`${OK}RFC 2345 Domain Names and Company Name Retrieval thishost.csc.ncsu.edu 5678\r\n\r\n`);
      a.send('LOOKUP RFC 2345 P2P-CI/1.0\r\nHost: x\r\nPort: 1\r\nTitle: placeholder\r\n\r\n');
      await a.expect(`${OK}RFC 2345 Domain Names and Company Name Retrieval thishost.csc.ncsu.edu 5678\r\n\r\n`);
      a.send('LOOKUP RFC 9999 P2P-CI/1.0\r\nHost: x\r\nPort: 1\r\nTitle: Nothing\r\n\r\n');
      await a.expect('P2P-CI/1.0 404 Not Found\r\n\r\n');
      a.send(LIST);
      await a.expect(`${OK}RFC 123 A Proferred Official ICP thishost.csc.ncsu.edu 5678\r\nRFC 2345 Domain Names and Company Name Retrieval thishost.csc.ncsu.edu 5678\r\n\r\n`);
      assert.is(a.pending, '');
    } finally {
      a.socket.destroy();
    }
  }),
));

test('transcript variants: bare LF, no empty line, header case, stray empty lines, pipelined requests', withTimeout(5000, () =>
  withServer({}, async (port) => {
    const a = await Raw.open(port);
    try {
      a.send('\r\n\nADD RFC 1 P2P-CI/1.0\nhost: h1\nPORT: 11\nTitle: One Title\n');
      await a.expect(`${OK}RFC 1 One Title h1 11\r\n\r\n`);
      a.send('\n\r\nLOOKUP RFC 1 P2P-CI/1.0\r\nHost: h\r\nPort: 2\r\nTitle: x\r\n');
      await a.expect(`${OK}RFC 1 One Title h1 11\r\n\r\n`);
      a.send(ADD(2, 'Two', 'h1', 11) + 'LOOKUP RFC 3 P2P-CI/1.0\r\nHost: h\r\nPort: 2\r\nTitle: x\r\n\r\n' + LIST);
      await a.expect(`${OK}RFC 2 Two h1 11\r\n\r\nP2P-CI/1.0 404 Not Found\r\n\r\n${OK}RFC 1 One Title h1 11\r\nRFC 2 Two h1 11\r\n\r\n`);
    } finally {
      a.socket.destroy();
    }
  }),
));

test('400 and 505 keep the connection usable; GET at the index is 400', withTimeout(5000, () =>
  withServer({}, async (port) => {
    const a = await Raw.open(port);
    try {
      a.send('ADD RFC 1 P2P-CI/2.0\r\nHost: h\r\nPort: 1\r\nTitle: t\r\n\r\n');
      await a.expect('P2P-CI/1.0 505 P2P-CI Version Not Supported\r\n\r\n');
      a.send('hello there\r\n');
      await a.expect(E400);
      a.send('ADD RFC 1 P2P-CI/1.0\r\nHost: h\r\nTitle: no port\r\n\r\n');
      await a.expect(E400);
      a.send('GET RFC 1 P2P-CI/1.0\r\nHost: h\r\nOS: x\r\n\r\n');
      await a.expect(E400);
      a.send(ADD(5, 'Five', 'h', 9));
      await a.expect(`${OK}RFC 5 Five h 9\r\n\r\n`);
    } finally {
      a.socket.destroy();
    }
  }),
));

test('an endless line gets 400 and a close; binary garbage gets 400s; the server keeps serving', withTimeout(5000, () =>
  withServer({ limits: { maxLineBytes: 1024 } }, async (port) => {
    const a = await Raw.open(port);
    const b = await Raw.open(port);
    try {
      a.send('A'.repeat(4096));
      await a.expect(E400);
      await a.closed;
      assert.ok(a.ended);
      b.send(Buffer.from([0, 1, 2, 255, 13, 10, 200, 201, 10]));
      await b.expect(E400 + E400);
      b.send(ADD(7, 'Seven', 'h', 9));
      await b.expect(`${OK}RFC 7 Seven h 9\r\n\r\n`);
    } finally {
      a.socket.destroy();
      b.socket.destroy();
    }
  }),
));

test('a connection\'s records go when it closes, cleanly or killed; another claim on its Host/Port removes nothing', withTimeout(5000, () =>
  withServer({}, async (port, server) => {
    const a = await Raw.open(port);
    const b = await Raw.open(port);
    const c = await Raw.open(port);
    const d = await Raw.open(port);
    try {
      a.send(ADD(1, 'One', 'hostA', 100) + ADD(2, 'Two', 'hostA', 100));
      await a.expect(`${OK}RFC 1 One hostA 100\r\n\r\n${OK}RFC 2 Two hostA 100\r\n\r\n`);
      b.send(ADD(3, 'Three', 'hostA', 100));
      await b.expect(`${OK}RFC 3 Three hostA 100\r\n\r\n`);
      d.send(ADD(4, 'Four', 'hostD', 400));
      await d.expect(`${OK}RFC 4 Four hostD 400\r\n\r\n`);
      a.socket.resetAndDestroy();
      await waitFor(() => server.records().length === 2, { what: 'killed records dropped' });
      c.send(LIST);
      await c.expect(`${OK}RFC 3 Three hostA 100\r\nRFC 4 Four hostD 400\r\n\r\n`);
      d.socket.end();
      await d.closed;
      await waitFor(() => server.records().length === 1, { what: 'closed records dropped' });
      c.send(LIST);
      await c.expect(`${OK}RFC 3 Three hostA 100\r\n\r\n`);
    } finally {
      for (const r of [a, b, c, d]) r.socket.destroy();
    }
  }),
));

test('100 connections registering at once: LIST ALL complete and consistent, then half disconnect', withTimeout(15000, () =>
  withServer({}, async (port, server) => {
    const conns = await Promise.all(Array.from({ length: 100 }, () => Raw.open(port)));
    try {
      conns.forEach((c, i) => c.send(ADD(1000 + i, `Title ${i}`, `10.0.${i >> 8}.${i & 255}`, 20000 + i)));
      await Promise.all(conns.map((c, i) => c.expect(`${OK}RFC ${1000 + i} Title ${i} 10.0.${i >> 8}.${i & 255} ${20000 + i}\r\n\r\n`)));
      const lister = await Raw.open(port);
      try {
        const want = (keep: (i: number) => boolean) =>
          Array.from({ length: 100 }, (_, i) => i)
            .filter(keep)
            .map((i) => `RFC ${1000 + i} Title ${i} 10.0.${i >> 8}.${i & 255} ${20000 + i}\r\n`)
            .sort();
        const list = async () => {
          lister.send(LIST);
          await waitFor(() => lister.pending.endsWith('\r\n\r\n'), { what: 'LIST ALL answer' });
          const lines = lister.pending.split('\r\n').slice(0, -2);
          await lister.expect(lister.pending);
          assert.is(lines[0], 'P2P-CI/1.0 200 OK');
          return lines.slice(1).map((l) => `${l}\r\n`).sort();
        };
        assert.equal(await list(), want(() => true));
        conns.forEach((c, i) => i % 2 === 0 && c.socket.destroy());
        await waitFor(() => server.records().length === 50, { what: '50 records left' });
        assert.equal(await list(), want((i) => i % 2 === 1));
      } finally {
        lister.socket.destroy();
      }
    } finally {
      for (const c of conns) c.socket.destroy();
    }
  }),
));

test('a connection stalled mid-request is closed; an idle registered peer is not', withTimeout(5000, () =>
  withServer({ requestTimeoutMs: 200 }, async (port, server) => {
    const idle = await Raw.open(port);
    const stalled = await Raw.open(port);
    try {
      idle.send(ADD(1, 'One', 'h', 1));
      await idle.expect(`${OK}RFC 1 One h 1\r\n\r\n`);
      stalled.send('ADD RFC 2 P2P-CI/1.0\r\nHost: h\r\n');
      await stalled.closed;
      assert.is(stalled.pending, '');
      assert.not.ok(idle.socket.destroyed);
      idle.send(LIST);
      await idle.expect(`${OK}RFC 1 One h 1\r\n\r\n`);
      assert.is(server.connections, 1);
    } finally {
      idle.socket.destroy();
      stalled.socket.destroy();
    }
  }),
));

test('log hook reports connect, request, response and disconnect; the formatter prints them', withTimeout(5000, async () => {
  const log: IndexLogEntry[] = [];
  await withServer({ onLog: (e) => log.push(e) }, async (port) => {
    const a = await Raw.open(port);
    a.send(ADD(9, 'Nine', 'h', 3));
    await a.expect(`${OK}RFC 9 Nine h 3\r\n\r\n`);
    a.socket.end();
    await a.closed;
    await waitFor(() => log.some((e) => e.kind === 'disconnect'), { what: 'disconnect logged' });
  });
  assert.equal(log.map((e) => e.kind), ['listening', 'connect', 'request', 'response', 'disconnect']);
  const req = log[2]!;
  assert.ok(req.kind === 'request' && req.lines[0] === 'ADD RFC 9 P2P-CI/1.0');
  const res = log[3]!;
  assert.ok(res.kind === 'response' && res.code === 200);
  assert.equal(res.kind === 'response' && res.lines, ['P2P-CI/1.0 200 OK', 'RFC 9 Nine h 3']);
  const bye = log[4]!;
  assert.ok(bye.kind === 'disconnect' && bye.removed === 1);
  const plain = log.map((e) => formatIndexLog(e)).join('\n');
  assert.match(plain, /#1 127\.0\.0\.1:\d+ → request\n {4}ADD RFC 9 P2P-CI\/1\.0\n {4}Host: h/);
  assert.match(plain, /← 200\n {4}P2P-CI\/1\.0 200 OK\n {4}RFC 9 Nine h 3/);
  assert.match(plain, /disconnected \(closed by peer\), 1 record removed/);
  assert.not.match(plain, /\u001b\[/);
  assert.match(formatIndexLog(res, { color: true }), /\u001b\[32m/);
}));

test('a port in use is PORT_IN_USE; close() is idempotent', withTimeout(5000, () =>
  withServer({}, async (port) => {
    const other = new IndexServer();
    try {
      await other.start({ port, host: '127.0.0.1' });
      assert.unreachable('second listen should fail');
    } catch (e) {
      assert.ok(isLanmeshError(e, 'PORT_IN_USE'), String(e));
    } finally {
      await other.close();
      await other.close();
    }
  }),
));

/** Checks a byte stream against a sequence of expected answers as it arrives, without holding it all. */
class StreamCheck {
  private at = 0;
  private current: Buffer | undefined;
  answers = 0;
  constructor(private readonly expected: Iterator<Buffer>) {
    this.current = expected.next().value;
  }
  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      assert.ok(this.current, `bytes after the last expected answer: ${JSON.stringify(chunk.subarray(off, off + 60).toString())}`);
      const n = Math.min(chunk.length - off, this.current!.length - this.at);
      if (!chunk.subarray(off, off + n).equals(this.current!.subarray(this.at, this.at + n))) {
        assert.unreachable(`answer ${this.answers + 1} differs at byte ${this.at}: got ${JSON.stringify(chunk.subarray(off, off + 60).toString())}`);
      }
      off += n;
      this.at += n;
      if (this.at === this.current!.length) {
        this.answers++;
        this.at = 0;
        this.current = this.expected.next().value;
      }
    }
  }
  get done(): boolean {
    return this.current === undefined;
  }
}

test('a client pipelining LIST ALLs without reading: bounded buffering, others still served, then every answer in order', withTimeout(60000, async () => {
  const answered = new Map<string, number>();
  const onLog = (e: IndexLogEntry) => e.kind === 'response' && answered.set(e.remote, (answered.get(e.remote) ?? 0) + 1);
  await withServer({ onLog }, async (port, server) => {
    const N = 2000;
    const GROUPS = 20;
    const LISTS_PER_GROUP = 81;
    const reg = await Raw.open(port);
    const other = await Raw.open(port);
    // No 'data' listener: the hog's socket reads a little and then leaves everything in the kernel.
    const hog = connect(port, '127.0.0.1');
    await once(hog, 'connect');
    try {
      reg.send(Array.from({ length: N }, (_, i) => ADD(i + 1, `Title ${i + 1}`, '10.1.2.3', 4000)).join(''));
      await waitFor(() => server.records().length === N, { what: `${N} records` });
      const base: RfcRecord[] = server.records();
      // The hog's own ADDs between LIST ALLs make each answer show its place in the sequence.
      const hogAdd = (g: number): RfcRecord => ({ rfc: 90000 + g, title: `Hog ${g}`, host: 'hog', port: 2 });
      let request = '';
      for (let g = 0; g < GROUPS; g++) {
        const r = hogAdd(g);
        request += ADD(r.rfc, r.title, r.host, r.port) + LIST.repeat(LISTS_PER_GROUP);
      }
      const total = GROUPS * (1 + LISTS_PER_GROUP);
      function* expected(): Iterator<Buffer> {
        const added: RfcRecord[] = [];
        for (let g = 0; g < GROUPS; g++) {
          added.push(hogAdd(g));
          yield formatResponse(200, [hogAdd(g)]);
          const list = formatResponse(200, [...base, ...added]);
          for (let i = 0; i < LISTS_PER_GROUP; i++) yield list;
        }
      }
      const listBytes = formatResponse(200, base).length;
      assert.ok(listBytes * GROUPS * LISTS_PER_GROUP > 64 * 1024 * 1024, 'the answers must dwarf any socket buffer');

      const hogRemote = `127.0.0.1:${hog.localPort}`;
      hog.write(request);
      hog.end();
      await waitFor(() => (answered.get(hogRemote) ?? 0) > 0, { what: 'first answers to the hog' });

      // Meanwhile another client is answered at once (the event loop is not stuck on the hog).
      other.send('LOOKUP RFC 7 P2P-CI/1.0\r\nHost: x\r\nPort: 1\r\nTitle: x\r\n\r\n');
      await other.expect(`${OK}RFC 7 Title 7 10.1.2.3 4000\r\n\r\n`);

      const ahead = answered.get(hogRemote) ?? 0;
      assert.ok(server.bufferedBytes <= DEFAULT_MAX_BUFFERED_BYTES + listBytes, `server buffers ${server.bufferedBytes} bytes for a client that does not read`);
      assert.ok(ahead < total, `all ${total} answers were formatted for a client that read none of them`);

      // The hog reads now: every answer arrives, in order, then the server ends the connection.
      const check = new StreamCheck(expected());
      hog.on('data', (b: Buffer) => check.push(b));
      await once(hog, 'end');
      assert.ok(check.done, `got ${check.answers} of ${total} answers`);
      assert.is(answered.get(hogRemote), total);
      assert.is(server.records().length, N);
    } finally {
      reg.socket.destroy();
      other.socket.destroy();
      hog.destroy();
    }
  });
}));

test('a client that sends its requests and shuts down its side still gets every answer, then the end', withTimeout(5000, () =>
  withServer({ maxBufferedBytes: 0 }, async (port) => {
    const a = await Raw.open(port);
    try {
      a.send(ADD(1, 'One', 'h', 1) + LIST + LIST);
      a.socket.end();
      await a.closed;
      assert.ok(a.ended);
      assert.is(a.pending, `${OK}RFC 1 One h 1\r\n\r\n${OK}RFC 1 One h 1\r\n\r\n${OK}RFC 1 One h 1\r\n\r\n`);
    } finally {
      a.socket.destroy();
    }
  }),
));

test('a client that never reads its answers is closed after the request timeout', withTimeout(10000, async () => {
  const log: IndexLogEntry[] = [];
  await withServer({ requestTimeoutMs: 300, onLog: (e) => log.push(e) }, async (port, server) => {
    const reg = await Raw.open(port);
    const hog = connect(port, '127.0.0.1');
    hog.on('error', () => {});
    await once(hog, 'connect');
    try {
      reg.send(Array.from({ length: 2000 }, (_, i) => ADD(i + 1, `Title ${i + 1}`, '10.1.2.3', 4000)).join(''));
      await waitFor(() => server.records().length === 2000, { what: 'records' });
      hog.write(LIST.repeat(1600));
      await waitFor(() => log.some((e) => e.kind === 'disconnect' && e.reason === 'not reading answers'), { what: 'hog dropped' });
      assert.is(server.connections, 1);
    } finally {
      reg.socket.destroy();
      hog.destroy();
    }
  });
}));

test('shutdown: the log says the server closed the connections, not the peers', withTimeout(5000, async () => {
  const log: IndexLogEntry[] = [];
  const server = new IndexServer({ onLog: (e) => log.push(e) });
  const { port } = await server.start({ port: 0, host: '127.0.0.1' });
  const a = await Raw.open(port);
  try {
    a.send(ADD(1, 'One', 'h', 1));
    await a.expect(`${OK}RFC 1 One h 1\r\n\r\n`);
    await server.close();
    const bye = log.find((e) => e.kind === 'disconnect');
    assert.ok(bye && bye.kind === 'disconnect', 'disconnect logged');
    assert.is(bye.kind === 'disconnect' && bye.reason, 'closed by the server (shutting down)');
    assert.match(formatIndexLog(bye!), /disconnected \(closed by the server \(shutting down\)\), 1 record removed/);
  } finally {
    a.socket.destroy();
    await server.close();
  }
}));

test('a Host with a control character is refused with 400 and never stored; titles are cleaned; the log shows them escaped', withTimeout(5000, async () => {
  const log: IndexLogEntry[] = [];
  await withServer({ onLog: (e) => log.push(e) }, async (port, server) => {
    const a = await Raw.open(port);
    try {
      a.send(ADD(1, 'One', 'evil\x01', 5));
      await a.expect(E400);
      a.send(ADD(2, 'Two', 'ev\x1b[2Jil', 5));
      await a.expect(E400);
      a.send(ADD(3, 'Th\x01ree\x1b[2J', 'good', 5));
      await a.expect(`${OK}RFC 3 Th ree [2J good 5\r\n\r\n`);
      a.send(LIST);
      await a.expect(`${OK}RFC 3 Th ree [2J good 5\r\n\r\n`);
      assert.equal(server.records().map((r) => r.host), ['good']);
    } finally {
      a.socket.destroy();
    }
  });
  const plain = log.map((e) => formatIndexLog(e)).join('\n');
  assert.match(plain, /Host: evil\\x01\n/);
  assert.match(plain, /Title: Th\\x01ree\\x1b\[2J\n/);
  assert.not.match(plain, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
}));

test.run();
