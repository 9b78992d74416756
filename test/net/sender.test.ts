// The sender port under a client that pipelines requests and never reads the answers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { SenderPort, type CatalogSource } from '../../src/transfer/sender.js';
import { DistributorPort } from '../../src/push/distributor.js';
import { encodeControl, FrameDecoder } from '../../src/wire/frame.js';
import { asFileId, asPeerId, type CatalogEntry } from '../../src/types.js';
import { withTimeout, waitFor } from '../support/with-timeout.js';

const files: CatalogEntry[] = Array.from({ length: 2000 }, (_, i) => ({
  id: asFileId(i.toString(16).padStart(64, '0')),
  name: `file number ${i} with a fairly long name to make the catalog big.txt`,
  size: i,
  chunkSize: 1048576,
}));

test('pipelined requests are answered in order, and not buffered without bound', withTimeout(60_000, async () => {
  let built = 0;
  const source: CatalogSource = {
    peerId: asPeerId('0123456789abcdef'),
    revision: () => 7,
    entries: () => (built++, files),
    manifest: () => undefined,
  };
  const warnings: string[] = [];
  const sender = await SenderPort.start({ port: 0, host: '127.0.0.1', source, onWarning: (m) => warnings.push(m) });
  const sock = connect(sender.port, '127.0.0.1');
  try {
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.pause();
    const N = 1500;
    for (let rid = 1; rid <= N; rid++) sock.write(encodeControl({ t: 'catalog.get', rid }));
    // Wait until the server has stopped building answers (its writes are blocked on us).
    let last = -1;
    await waitFor(() => {
      const stable = built === last;
      last = built;
      return stable && built > 0;
    }, { intervalMs: 300, timeoutMs: 10_000, what: 'the sender to stall on backpressure' });
    assert.ok(built < 100, `only a bounded number of answers is built ahead of a non-reading client (built ${built})`);
    // Now read everything: all N answers arrive, in order.
    const dec = new FrameDecoder();
    let next = 1;
    await new Promise<void>((resolve, reject) => {
      sock.on('data', (b: Buffer) => {
        try {
          for (const f of dec.push(b)) {
            assert.is(f.kind, 'control');
            const msg = JSON.parse((f as { body: Buffer }).body.toString());
            assert.is(msg.t, 'catalog');
            assert.is(msg.rid, next++);
          }
          if (next > N) resolve();
        } catch (e) {
          reject(e);
        }
      });
      sock.resume();
    });
    assert.is(built, N);
    assert.equal(warnings, []);
  } finally {
    sock.destroy();
    await sender.close();
  }
}));

test('the distributor port answers a non-report once with UNSUPPORTED and ends the connection, however much is sent', withTimeout(15_000, async () => {
  const stub = await DistributorPort.start(0, '127.0.0.1', () => undefined, () => undefined);
  const sock = connect(stub.port, '127.0.0.1');
  try {
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const frames: { t: string; code?: string; rid?: number }[] = [];
    const dec = new FrameDecoder();
    sock.on('data', (b: Buffer) => {
      for (const f of dec.push(b)) if (f.kind === 'control') frames.push(JSON.parse(f.body.toString()));
    });
    sock.on('error', () => {});
    const ended = new Promise<void>((r) => sock.once('close', () => r()));
    // Keep sending until the server hangs up (a flood that used to queue an answer per frame).
    const batch = Buffer.concat(Array.from({ length: 1000 }, (_, i) => encodeControl({ t: 'catalog.get', rid: i + 1 })));
    let closed = false;
    void ended.then(() => (closed = true));
    for (let i = 0; i < 200 && !closed; i++) {
      if (!sock.write(batch)) await Promise.race([new Promise((r) => sock.once('drain', r)), ended]);
    }
    await ended;
    assert.equal(frames, [{ t: 'error', rid: 1, code: 'UNSUPPORTED', message: "the distributor port takes push.report, not 'catalog.get'" }]);
  } finally {
    sock.destroy();
    await stub.close();
  }
}));

test.run();
