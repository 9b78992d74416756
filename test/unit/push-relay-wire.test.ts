// The have-exchange over real loopback sockets: two recipients report to the origin's distributor
// port, and each hears on its own report connection what the other verified (push.holders), never
// about itself; a new report connection hears everything again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { TcpListener } from '../../src/transfer/tcp-listener.js';
import { FramedConnection, dialFramed } from '../../src/wire/connection.js';
import { MAX_FRAME } from '../../src/wire/frame.js';
import { DistributorPort } from '../../src/push/distributor.js';
import { PushRun } from '../../src/push/push-run.js';
import { buildManifest, sha256Hex } from '../../src/store/manifest.js';
import { Bitfield } from '../../src/store/bitfield.js';
import { asPeerId } from '../../src/types.js';
import type { ControlMessage, PushHolders } from '../../src/wire/messages.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

const CS = 64 * 1024;
const N = 16;
const HOST = '127.0.0.1';
const [SELF, A, B] = ['aa', 'a1', 'b2'].map((x) => asPeerId(x.padStart(16, '0')));

/** A recipient that accepts and keeps reading chunk frames. */
async function recipient() {
  const conns: FramedConnection[] = [];
  const listener = await TcpListener.listen(0, HOST, 'recipient', (s) => {
    const conn = new FramedConnection(s, { maxFrameBytes: MAX_FRAME, idleTimeoutMs: 0 });
    conns.push(conn);
    conn.on('control', (m: ControlMessage) => {
      if (m.t === 'push.offer') void conn.send({ t: 'push.answer', rid: m.rid, verdict: 'accept' });
    });
  });
  return { port: listener.port, close: async () => (conns.forEach((c) => c.close()), await listener.close()) };
}

/** A report connection that keeps every push.holders it hears. */
async function reporter(port: number) {
  const conn = await dialFramed(HOST, port, { idleTimeoutMs: 0 });
  const heard: PushHolders['holders'][] = [];
  conn.on('control', (m: ControlMessage) => m.t === 'push.holders' && heard.push(m.holders));
  return { conn, heard, all: () => heard.flat() };
}

test('each recipient hears what the other verified, on its own report connection', withTimeout(20_000, async () => {
  const data = randomBytes(N * CS);
  const chunk = (i: number) => data.subarray(i * CS, (i + 1) * CS);
  const manifest = buildManifest('x.bin', data.length, CS, Array.from({ length: N }, (_, i) => sha256Hex(chunk(i))));
  const ra = await recipient();
  const rb = await recipient();
  let run: PushRun | undefined;
  const port = await DistributorPort.start(0, HOST, (m, a, reply) => run?.report(m, a, reply), () => undefined);
  run = new PushRun({
    manifest, self: SELF, distributorPort: port.port, readChunk: async (i) => chunk(i), onWarning: () => undefined,
    targets: [{ peer: A, name: 'a', address: HOST, port: ra.port }, { peer: B, name: 'b', address: HOST, port: rb.port }],
  });
  const a = await reporter(port.port);
  const b = await reporter(port.port);
  const report = (conn: FramedConnection, peer: typeof A, have: number[]) => {
    const bits = new Bitfield(N);
    for (const i of have) bits.set(i);
    return conn.send({ t: 'push.report', push: run!.tokenHex, peer, have: bits.toBase64(), fromOrigin: have.length, fromPeers: 0, state: 'running' });
  };
  try {
    void run.start();
    await waitFor(() => run!.rows().every((r) => r.state === 'receiving') || undefined, { what: 'both accepted' });
    await report(a.conn, A, [0, 2]);
    await report(b.conn, B, [1]);
    await waitFor(() => (b.all().some((h) => h.peer === A) && a.all().some((h) => h.peer === B)) || undefined, { what: 'news both ways' });
    assert.equal(b.all(), [{ peer: A, add: [0, 2] }]);
    assert.equal(a.all(), [{ peer: B, add: [1] }]);
    await report(a.conn, A, [0, 2, 4]);
    await waitFor(() => b.all().length === 2 || undefined, { what: 'the next news' });
    assert.equal(b.all()[1], { peer: A, add: [4] }, 'only what is new');
    // B's report connection breaks: its next one hears everything known again.
    b.conn.close();
    const b2 = await reporter(port.port);
    await report(b2.conn, B, [1, 3]);
    await waitFor(() => b2.all().length > 0 || undefined, { what: 'news on the new connection' });
    assert.equal(b2.all(), [{ peer: A, add: [0, 2, 4] }]);
    b2.conn.close();
  } finally {
    run.close();
    a.conn.close();
    await port.close();
    await ra.close();
    await rb.close();
  }
}));

test.run();
