// Crash detection over TCP (discovery/liveness.ts): a peer whose probe fails twice in a row is dropped
// as expired and reported lost; one that answers the second probe stays; a peer heard from
// during the probe is not dropped. The probe is injected; the table and timers are real.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PeerTable, type RemotePeer } from '../../src/discovery/peer-table.js';
import { PeerLiveness } from '../../src/discovery/liveness.js';
import { asPeerId, portSet } from '../../src/types.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

const info = (n: number) => ({ id: asPeerId(String(n).repeat(16)), name: `p${n}`, address: `10.77.0.${n}`, ports: portSet(9000 + n * 10), rev: 1 });
const HOUR = 3_600_000;

test('two failed probes in a row drop a peer as expired; an answer to the retry keeps it', withTimeout(5000, async () => {
  const table = new PeerTable();
  const asked: string[] = [];
  const lost: string[] = [];
  const downs: Array<[string, string]> = [];
  table.on('peer:down', (p, reason) => downs.push([p.name, reason]));
  // p1 is dead; p2 drops one probe and answers the retry; p3 answers.
  let p2Calls = 0;
  const live = new PeerLiveness({
    table,
    probeMs: 50,
    retryDelayMs: 10,
    onLost: (p: RemotePeer) => lost.push(p.name),
    probe: async (p) => {
      asked.push(p.name);
      if (p.name === 'p1') throw new Error('ECONNREFUSED');
      if (p.name === 'p2' && p2Calls++ % 2 === 0) throw new Error('timeout');
    },
  });
  for (const n of [1, 2, 3]) table.upsert(info(n), HOUR);
  live.start();
  try {
    await waitFor(() => lost.length > 0, { what: 'p1 lost', timeoutMs: 2000, intervalMs: 10 });
    await waitFor(() => asked.filter((n) => n === 'p2').length >= 4, { what: 'p2 probed twice over', intervalMs: 10 });
    assert.equal(lost, ['p1']);
    assert.equal(downs, [['p1', 'expired']]);
    assert.equal(table.list().map((p) => p.name), ['p2', 'p3']);
    assert.is(asked.filter((n) => n === 'p1').length, 2, 'exactly one retry before removal');
  } finally {
    live.stop();
  }
}));

test('a peer heard from while its probe fails is not dropped', withTimeout(5000, async () => {
  let clock = 1000;
  const table = new PeerTable({ now: () => clock });
  const lost: string[] = [];
  let attempts = 0;
  let firstRoundOver = false;
  const live = new PeerLiveness({
    table,
    probeMs: 300,
    retryDelayMs: 10,
    onLost: (p) => lost.push(p.name),
    probe: async () => {
      attempts++;
      if (attempts === 2) {
        clock += 1000;
        table.upsert(info(1), HOUR); // an announcement arrives between the probe and its retry
        queueMicrotask(() => queueMicrotask(() => (firstRoundOver = true)));
      }
      throw new Error('timeout');
    },
  });
  table.upsert(info(1), HOUR);
  live.start();
  try {
    await waitFor(() => firstRoundOver, { what: 'first round', intervalMs: 5 });
    assert.equal(lost, [], 'kept: it was heard from during the probe');
    assert.is(table.size, 1);
    // The next round has nothing new from it: two failures drop it.
    await waitFor(() => lost.length === 1, { what: 'dropped in the next round', timeoutMs: 3000, intervalMs: 10 });
    assert.is(table.size, 0);
  } finally {
    live.stop();
  }
}));

test.run();
