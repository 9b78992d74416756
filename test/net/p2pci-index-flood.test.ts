// The index server under a flood of silent connections (issue 15.3(d)): one address gets its share
// only, a full server makes room by closing the quietest connection without records, registered
// peers are never pushed out however long they stay silent, and honest clients are served
// during the flood. Loopback 127.0.0.0/8 gives the test as many source addresses as it needs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { IndexServer, type IndexLogEntry } from '../../src/compat/p2pci/index-server.js';
import { formatIndexLog } from '../../src/compat/p2pci/log-format.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

interface Client {
  socket: Socket;
  /** Sends one request; resolves with its answer (up to the empty line that ends it). */
  ask(request: string): Promise<string>;
}

async function client(port: number, from: string): Promise<Client> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: from });
  socket.on('error', () => {});
  await once(socket, 'connect');
  let buf = '';
  let waiting: ((s: string) => void) | undefined;
  socket.on('data', (b: Buffer) => {
    buf += b.toString('latin1');
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0 || !waiting) return;
    const answer = buf.slice(0, end + 4);
    buf = buf.slice(end + 4);
    const w = waiting;
    waiting = undefined;
    w(answer);
  });
  return {
    socket,
    ask(request) {
      return new Promise((resolve, reject) => {
        waiting = resolve;
        socket.once('close', () => reject(new Error(`closed before an answer to ${request.split('\r\n')[0]}`)));
        socket.write(request);
      });
    },
  };
}

const add = (rfc: number, port: number) => `ADD RFC ${rfc} P2P-CI/1.0\r\nHost: peer${rfc}\r\nPort: ${port}\r\nTitle: T${rfc}\r\n\r\n`;
const LIST = 'LIST ALL P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\n\r\n';
const isOpen = (s: Socket) => !s.destroyed && !s.readableEnded;

async function flood(port: number, from: string[], n: number): Promise<Socket[]> {
  const out: Socket[] = [];
  for (let i = 0; i < n; i++) out.push((await client(port, from[i % from.length]!)).socket);
  return out;
}

test('a silent flood gets one share per address, makes room when full, and never costs a registered peer', withTimeout(20_000, async () => {
  const srv = new IndexServer({ maxConnections: 48, maxPerAddress: 16, unregisteredIdleMs: 0 });
  const { port } = await srv.start({ port: 0, host: '0.0.0.0' });
  const sockets: Socket[] = [];
  try {
    const peer = await client(port, '127.0.0.2');
    sockets.push(peer.socket);
    assert.is(await peer.ask(add(1, 5001)), 'P2P-CI/1.0 200 OK\r\nRFC 1 T1 peer1 5001\r\n\r\n');
    // One address: 100 silent connections, only its share of 16 stays.
    sockets.push(...(await flood(port, ['127.0.0.1'], 100)));
    await waitFor(() => srv.connections === 17, { what: '16 flood connections + the peer' });
    assert.is(sockets.filter(isOpen).length, 17);
    const honest = await client(port, '127.0.0.3');
    sockets.push(honest.socket);
    assert.is(await honest.ask(LIST), 'P2P-CI/1.0 200 OK\r\nRFC 1 T1 peer1 5001\r\n\r\n');
    // Four more addresses fill the server; the quietest connections without records make room.
    sockets.push(...(await flood(port, ['127.0.0.10', '127.0.0.11', '127.0.0.12', '127.0.0.13'], 64)));
    await waitFor(() => srv.connections <= 48, { what: 'the server back at its cap' });
    for (const from of ['127.0.0.1', '127.0.0.20']) {
      const late = await client(port, from);
      sockets.push(late.socket);
      assert.is(await late.ask(LIST), 'P2P-CI/1.0 200 OK\r\nRFC 1 T1 peer1 5001\r\n\r\n', `honest client from ${from} during the flood`);
    }
    assert.ok(isOpen(peer.socket), 'the registered peer, silent all along, is still connected');
    assert.equal(srv.records().map((r) => r.rfc), [1]);
    assert.ok(srv.connections <= 49, `connections ${srv.connections}`);
  } finally {
    for (const s of sockets) s.destroy();
    await srv.close();
  }
}));

test('refused only when every connection of the share is registered, with a log line', withTimeout(10_000, async () => {
  const log: IndexLogEntry[] = [];
  const srv = new IndexServer({ maxPerAddress: 2, unregisteredIdleMs: 0, onLog: (e) => log.push(e) });
  const { port } = await srv.start({ port: 0, host: '0.0.0.0' });
  const sockets: Socket[] = [];
  try {
    for (const rfc of [1, 2]) {
      const c = await client(port, '127.0.0.5');
      sockets.push(c.socket);
      await c.ask(add(rfc, 5000 + rfc));
    }
    const third = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.5' });
    sockets.push(third);
    third.on('error', () => {});
    third.on('data', () => assert.unreachable('a refused connection gets no bytes'));
    await once(third, 'close');
    await waitFor(() => log.find((e) => e.kind === 'refused'), { what: 'the refused log line' });
    const refused = log.find((e) => e.kind === 'refused')!;
    assert.match(formatIndexLog(refused), /127\.0\.0\.5:\d+ refused \(2 connections from 127\.0\.0\.5 already, all registered\)$/);
    assert.ok(sockets.slice(0, 2).every(isOpen));
    assert.is(srv.records().length, 2);
  } finally {
    for (const s of sockets) s.destroy();
    await srv.close();
  }
}));

test('idle rule: a silent connection without records is closed, a silent registered peer is kept', withTimeout(10_000, async () => {
  const log: IndexLogEntry[] = [];
  const srv = new IndexServer({ unregisteredIdleMs: 300, onLog: (e) => log.push(e) });
  const { port } = await srv.start({ port: 0, host: '0.0.0.0' });
  const sockets: Socket[] = [];
  try {
    const peer = await client(port, '127.0.0.2');
    sockets.push(peer.socket);
    await peer.ask(add(7, 5007));
    const silent = (await client(port, '127.0.0.3')).socket;
    sockets.push(silent);
    // The peer has been silent longer than the silent one when that one goes.
    await once(silent, 'close');
    assert.ok(isOpen(peer.socket));
    await waitFor(() => log.some((e) => e.kind === 'disconnect' && e.reason === 'idle timeout (no records)'), { what: 'the idle disconnect line' });
    assert.is(await peer.ask(LIST), 'P2P-CI/1.0 200 OK\r\nRFC 7 T7 peer7 5007\r\n\r\n');
  } finally {
    for (const s of sockets) s.destroy();
    await srv.close();
  }
}));

test.run();
