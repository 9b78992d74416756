// An index-mode peer with no RFC files keeps its index connection (a LIST ALL while nothing is
// registered), instead of being closed by the server's idle rule and reconnecting with a warning.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IndexServer, type IndexLogEntry } from '../../src/compat/p2pci/index-server.js';
import { IndexSession } from '../../src/compat/p2pci/index-session.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

async function run(keepAliveMs: number): Promise<{ warnings: string[]; log: IndexLogEntry[] }> {
  const log: IndexLogEntry[] = [];
  const srv = new IndexServer({ unregisteredIdleMs: 400, onLog: (e) => log.push(e) });
  const { port } = await srv.start({ port: 0, host: '127.0.0.1' });
  const warnings: string[] = [];
  const session = new IndexSession({ host: '127.0.0.1', port, uploadPort: 9002, offered: () => [], keepAliveMs, reconnectMs: [100] });
  session.on('warning', (m) => warnings.push(m));
  try {
    await session.start();
    // Keep-alives over several of the server's idle periods (each LIST waits ~0.3 s for its answer to end).
    await waitFor(() => log.filter((e) => e.kind === 'request').length >= 5 || warnings.length > 0 || undefined, { timeoutMs: 2500, intervalMs: 50, what: 'keep-alives or a lost connection' }).catch(() => undefined);
    return { warnings, log };
  } finally {
    await session.close();
    await srv.close();
  }
}

test('no records: the keep-alive LIST keeps the connection, no warning', withTimeout(10_000, async () => {
  const { warnings, log } = await run(100);
  assert.equal(warnings, []);
  assert.not.ok(log.some((e) => e.kind === 'disconnect' && e.reason === 'idle timeout (no records)'), 'not closed as idle');
  assert.ok(log.filter((e) => e.kind === 'request').length >= 5, 'LIST ALL sent while idle');
}));

test('without it (keepAliveMs 0) the server closes the idle connection: what the keep-alive prevents', withTimeout(10_000, async () => {
  const { warnings } = await run(0);
  assert.ok(warnings.some((w) => /connection lost/.test(w)), warnings.join('\n'));
}));

test.run();
