// The peer as ordered services: startAll/stopAll order and rollback, the real Peer's start order, and a
// port in use in the middle of start leaving nothing bound (ports free, folder lock released).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:net';
import { startAll, stopAll, service } from '../../src/lifecycle.js';
import { Peer } from '../../src/peer.js';
import { isLanmeshError } from '../../src/errors.js';
import { freePortRange } from '../support/free-port.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

const HOST = '127.0.0.1';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, HOST, () => resolve(s));
  });
}
const closeServer = (s: Server) => new Promise<void>((r) => s.close(() => r()));

test('startAll starts in order; a failure stops the started ones in reverse and rethrows', async () => {
  const log: string[] = [];
  const mk = (name: string, fail = false) => service(name, () => {
    log.push(`start ${name}`);
    if (fail) throw new Error(`${name} broke`);
  }, () => {
    log.push(`stop ${name}`);
    if (name === 'b') throw new Error('b will not stop');
  });
  const stopErrors: string[] = [];
  try {
    await startAll([mk('a'), mk('b'), mk('c', true), mk('d')], (m) => stopErrors.push(m));
    assert.unreachable('c fails');
  } catch (err) {
    assert.is((err as Error).message, 'c broke');
  }
  assert.equal(log, ['start a', 'start b', 'start c', 'stop b', 'stop a']);
  assert.equal(stopErrors, ['stop b: b will not stop'], 'a failing stop is reported and the next still runs');
  log.length = 0;
  const started = await startAll([mk('x'), mk('y')]);
  await stopAll(started);
  assert.equal(log, ['start x', 'start y', 'stop y', 'stop x']);
});

test('a peer starts its services in one fixed order and stops them in reverse', withTimeout(20_000, async () => {
  const tmp = await makeTmpDir();
  try {
    const peer = await Peer.start({ dir: tmp.path, port: 0, bindHost: HOST, mdns: false });
    try {
      assert.equal(peer.services.map((s) => s.name), [
        'receiver', 'sender', 'push', 'catalog-sync', 'peer-table', 'static-peers', 'liveness', 'indexer',
      ]);
      const p = peer.ports;
      assert.ok(p.receiver > 0 && p.sender > 0 && p.distributor > 0 && p.distributee > 0);
    } finally {
      await peer.stop();
    }
  } finally {
    await tmp.remove();
  }
}));

test('a port in use in the middle of start leaves nothing bound and the folder free', withTimeout(20_000, async () => {
  const tmp = await makeTmpDir();
  const base = await freePortRange(4, HOST);
  const squatter = await listen(base + 2);
  try {
    try {
      await Peer.start({ dir: tmp.path, port: base, bindHost: HOST, mdns: false });
      assert.unreachable('the distributor port is taken');
    } catch (err) {
      assert.ok(isLanmeshError(err, 'PORT_IN_USE'), `PORT_IN_USE, got ${String(err)}`);
    }
    // The receiver and sender ports were bound before the failure: both must be free again.
    for (const port of [base, base + 1, base + 3]) await closeServer(await listen(port));
    await closeServer(squatter);
    // The folder lock went too: the same folder starts at once.
    const again = await Peer.start({ dir: tmp.path, port: base, bindHost: HOST, mdns: false });
    assert.is(again.ports.distributor, base + 2);
    await again.stop();
  } finally {
    if (squatter.listening) await closeServer(squatter);
    await tmp.remove();
  }
}));

test.run();
