import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { IndexClient } from '../../src/compat/p2pci/index-client.js';
import { IndexServer } from '../../src/compat/p2pci/index-server.js';
import { IndexRegistrar } from '../../src/compat/p2pci/registrar.js';
import { isLanmeshError } from '../../src/errors.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

type Reply = string | string[] | null;

async function rejects(fn: () => Promise<unknown>, check: (e: unknown) => boolean): Promise<void> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, 'expected a rejection');
  assert.ok(check(err), `unexpected error: ${String(err)}`);
}

/**
 * A fake index server: hands each complete request (split at the client's empty line) to `reply`,
 * writes what it returns (a list is written as separate writes), and records every request.
 * null: no answer. It also notes when a second request arrived before the first was answered.
 */
async function fakeServer(reply: (req: string, n: number) => Reply): Promise<{ port: number; requests: string[]; overlap: boolean; server: Server; close: () => Promise<void> }> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const state = { overlap: false };
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    let buf = '';
    let answering = false;
    s.on('data', async (b) => {
      buf += b.toString();
      let i: number;
      while ((i = buf.indexOf('\r\n\r\n')) !== -1) {
        const req = buf.slice(0, i + 4);
        buf = buf.slice(i + 4);
        if (answering) state.overlap = true;
        requests.push(req);
        const r = reply(req, requests.length);
        if (r === null) continue;
        answering = true;
        const parts = typeof r === 'string' ? [r] : r;
        for (const [k, part] of parts.entries()) {
          if (k > 0) await new Promise((res) => setTimeout(res, 20));
          s.write(part);
        }
        answering = false;
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    requests,
    get overlap() {
      return state.overlap;
    },
    server,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const connect = (port: number, extra: Partial<Parameters<typeof IndexClient.connect>[0]> = {}) =>
  IndexClient.connect({ host: '127.0.0.1', port, uploadPort: 9002, quietMs: 100, responseTimeoutMs: 2000, ...extra });

test('against our index server: add, lookup, listAll, close drops our records', withTimeout(5000, async () => {
  const server = new IndexServer();
  const { port } = await server.start({ port: 0, host: '127.0.0.1' });
  const a = await connect(port);
  const b = await connect(port, { uploadPort: 9006, advertiseHost: 'peer-b.lan' });
  try {
    assert.is(a.advertiseHost, '127.0.0.1');
    assert.equal(await a.add(791, 'Internet Protocol'), { rfc: 791, title: 'Internet Protocol', host: '127.0.0.1', port: 9002 });
    await b.add(791, 'Internet Protocol');
    await b.add(793, 'Transmission Control Protocol');
    assert.equal((await a.lookup(791)).map((r) => `${r.host}:${r.port}`), ['127.0.0.1:9002', 'peer-b.lan:9006']);
    assert.equal(await a.lookup(1), []);
    assert.equal((await a.listAll()).map((r) => r.rfc), [791, 791, 793]);
    await b.close();
    await waitFor(() => server.records().length === 1, { what: 'b dropped' });
    assert.equal(await a.listAll(), [{ rfc: 791, title: 'Internet Protocol', host: '127.0.0.1', port: 9002 }]);
    await rejects(() => b.listAll(), (e: unknown) => isLanmeshError(e, 'CONNECTION_CLOSED'));
  } finally {
    await a.close();
    await b.close();
    await server.close();
  }
}));

test('an empty LIST ALL from our server (200 and no lines) is an empty list', withTimeout(5000, async () => {
  const server = new IndexServer();
  const { port } = await server.start({ port: 0, host: '127.0.0.1' });
  const a = await connect(port);
  try {
    assert.equal(await a.listAll(), []);
  } finally {
    await a.close();
    await server.close();
  }
}));

test('transcript against a strict fake: the exact request bytes, one request at a time', withTimeout(5000, async () => {
  const fake = await fakeServer((req) => {
    if (req.startsWith('ADD')) return 'P2P-CI/1.0 200 OK\r\nRFC 5 Five Title 127.0.0.1 9002\r\n\r\n';
    if (req.startsWith('LOOKUP')) return 'P2P-CI/1.0 200 OK\r\nRFC 5 Five Title 127.0.0.1 9002\r\nRFC 5 Five Title other 1\r\n\r\n';
    return 'P2P-CI/1.0 200 OK\r\nRFC 5 Five Title 127.0.0.1 9002\r\nRFC 6 Six other 1\r\n\r\n';
  });
  const c = await connect(fake.port);
  try {
    const [added, found, all] = await Promise.all([c.add(5, 'Five Title'), c.lookup(5), c.listAll()]);
    assert.equal(added, { rfc: 5, title: 'Five Title', host: '127.0.0.1', port: 9002 });
    assert.is(found.length, 2);
    assert.equal(all.map((r) => r.rfc), [5, 6]);
    assert.equal(fake.requests, [
      'ADD RFC 5 P2P-CI/1.0\r\nHost: 127.0.0.1\r\nPort: 9002\r\nTitle: Five Title\r\n\r\n',
      'LOOKUP RFC 5 P2P-CI/1.0\r\nHost: 127.0.0.1\r\nPort: 9002\r\nTitle: RFC 5\r\n\r\n',
      'LIST ALL P2P-CI/1.0\r\nHost: 127.0.0.1\r\nPort: 9002\r\n\r\n',
    ]);
    assert.not.ok(fake.overlap);
  } finally {
    await c.close();
    await fake.close();
  }
}));

test('sloppy servers: no final empty line, empty line after status, bare LF, pieces, 200 with no lines, 404 for empty', withTimeout(8000, async () => {
  const script: Record<number, Reply> = {
    1: 'P2P-CI/1.0 200 OK\nRFC 1 One h 1\n',
    2: 'P2P-CI/1.0 200 OK\r\n\r\nRFC 1 One h 1\r\nRFC 1 One h2 2\r\n\r\n',
    3: ['P2P-CI/1.0 200 OK\r\n', 'RFC 1 One h 1\r\nRFC 2 ', 'Two Words h 2\r\n'],
    4: 'P2P-CI/1.0 200 OK\r\n',
    5: 'P2P-CI/1.0 404 Not Found\r\n',
    6: 'P2P-CI/1.0 200 OK\r\n',
    7: 'P2P-CI/1.0 200 OK\r\nRFC 9 Nine h 1',
    8: 'P2P-CI/1.0 404 Not Found',
  };
  const fake = await fakeServer((_req, n) => script[n] ?? null);
  const c = await connect(fake.port, { quietMs: 400 });
  try {
    assert.equal(await c.add(1, 'One'), { rfc: 1, title: 'One', host: 'h', port: 1 });
    assert.equal((await c.lookup(1)).map((r) => r.host), ['h', 'h2']);
    assert.equal((await c.listAll()).map((r) => r.title), ['One', 'Two Words']);
    assert.equal(await c.lookup(3), []);
    assert.equal(await c.listAll(), []);
    // An ADD answer with no record line still resolves with our own record.
    assert.equal(await c.add(9, 'Nine'), { rfc: 9, title: 'Nine', host: '127.0.0.1', port: 9002 });
    // Last lines with no line break at all count once the data stops.
    assert.equal((await c.listAll()).map((r) => r.rfc), [9]);
    assert.equal(await c.lookup(9), []);
  } finally {
    await c.close();
    await fake.close();
  }
}));

test('error answers reject with REMOTE_ERROR and the connection stays usable', withTimeout(5000, async () => {
  const script: Record<number, Reply> = {
    1: 'P2P-CI/1.0 400 Bad Request\r\n\r\n',
    2: 'P2P-CI/1.0 505 P2P-CI Version Not Supported\r\n',
    3: 'P2P-CI/1.0 200 OK\r\nRFC 1 One h 1\r\n\r\n',
  };
  const fake = await fakeServer((_req, n) => script[n] ?? null);
  const c = await connect(fake.port);
  try {
    await rejects(() => c.add(1, 'One'), (e: unknown) => isLanmeshError(e, 'REMOTE_ERROR') && /400 Bad Request/.test(String(e)));
    await rejects(() => c.listAll(), (e: unknown) => isLanmeshError(e, 'REMOTE_ERROR') && /505/.test(String(e)));
    assert.equal((await c.lookup(1)).length, 1);
  } finally {
    await c.close();
    await fake.close();
  }
}));

test('a server that never answers times out; one that hangs up fails the request and emits close', withTimeout(5000, async () => {
  const fake = await fakeServer(() => null);
  const c = await connect(fake.port, { responseTimeoutMs: 200 });
  try {
    await rejects(() => c.listAll(), (e: unknown) => isLanmeshError(e, 'TIMEOUT'));
    await waitFor(() => c.closed, { what: 'client closed after timeout' });
  } finally {
    await c.close();
  }
  const d = await connect(fake.port);
  try {
    const closed = once(d, 'close');
    const pending = d.listAll();
    await waitFor(() => fake.requests.length === 2, { what: 'request arrived' });
    await fake.close();
    await rejects(() => pending, (e: unknown) => isLanmeshError(e, 'CONNECTION_CLOSED'));
    await closed;
  } finally {
    await d.close();
  }
}));

test('registrar ADDs each RFC once per connection, again only when its title changes', withTimeout(5000, async () => {
  const server = new IndexServer();
  const { port } = await server.start({ port: 0, host: '127.0.0.1' });
  const c = await connect(port);
  try {
    const reg = new IndexRegistrar(c);
    assert.is((await reg.sync([{ rfc: 1, title: 'One' }, { rfc: 2, title: 'Two' }])).length, 2);
    assert.is((await reg.sync([{ rfc: 1, title: 'One' }, { rfc: 2, title: 'Two' }, { rfc: 3, title: 'Three' }])).length, 1);
    assert.is((await reg.sync([{ rfc: 1, title: 'One, retitled' }])).length, 1);
    assert.equal(reg.registered(), [1, 2, 3]);
    assert.equal(server.records().map((r) => `${r.rfc} ${r.title}`), ['1 One, retitled', '2 Two', '3 Three']);
  } finally {
    await c.close();
    await server.close();
  }
}));

test('connect to a closed port fails with a typed error', withTimeout(5000, async () => {
  const fake = await fakeServer(() => null);
  const port = fake.port;
  await fake.close();
  await rejects(() => connect(port), (e: unknown) => isLanmeshError(e, 'IO') && String(e).includes(`127.0.0.1:${port}`));
}));

test.run();
