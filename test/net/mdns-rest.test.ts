// Multicast etiquette on a 30-peer LAN of real CLI peers: mDNS packets per peer at rest, counted by a
// listener host on the same bridge (a figure in the output, not an assertion), and the discovery
// bounds kept: a new peer seen, a clean exit seen, a SIGKILLed peer dropped within 15 s.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createLan, inNetns, lanUnavailableReason, type LanHost } from '../support/lan.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const PORT = 9001;
const PEERS = 30;
const REST_MS = 15_000;

/** Counts mDNS datagrams reaching `host` for `ms` (it joins 224.0.0.251 on its LAN interface). */
function countMdns(host: LanHost, ms: number): Promise<number> {
  const script = `
    const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true });
    let n = 0;
    s.on('message', () => n++);
    s.bind(5353, () => { s.addMembership('224.0.0.251', '${host.address}'); setTimeout(() => { console.log(n); process.exit(0); }, ${ms}); });`;
  const [cmd, ...argv] = inNetns(host, [process.execPath, '-e', script]);
  return new Promise((resolve, reject) => {
    execFile(cmd!, argv, { timeout: ms + 10_000 }, (err, stdout) => (err ? reject(err) : resolve(Number(stdout.trim()))));
  });
}

const peerCount = (lines: string[]) => Number(/^(\d+) peers?$/.exec(lines[0] ?? '')?.[1] ?? -1);

if (skip) {
  console.log(`SKIP mDNS at-rest tests: ${skip}`);
} else {
  test(`${PEERS} peers at rest: mDNS packets per peer per second; up, exit and crash bounds`, withTimeout(230_000, async () => {
    const tmp = await makeTmpDir();
    const lan = await createLan(PEERS + 2);
    const peers: PeerProcess[] = [];
    try {
      const listener = lan.hosts[PEERS + 1]!;
      const start = async (i: number) => {
        const dir = join(tmp.path, `peer${i + 1}`);
        await mkdir(join(dir, 'shared'), { recursive: true });
        peers[i] = await startPeer({ host: lan.hosts[i]!, dir, port: PORT, name: `peer${i + 1}`, readyTimeoutMs: 60_000 });
      };
      for (let i = 0; i < PEERS; i += 6) await Promise.all(Array.from({ length: Math.min(6, PEERS - i) }, (_, k) => start(i + k)));
      for (const p of [peers[0]!, peers[PEERS - 1]!]) await p.poll('peers', (l) => peerCount(l) === PEERS - 1, { timeoutMs: 60_000, intervalMs: 500 });
      // Let start-up bursts and catalog fetches end, then count.
      await peers[0]!.poll('peers', (l) => peerCount(l) === PEERS - 1, { timeoutMs: 5000 });
      const packets = await countMdns(listener, REST_MS);
      const perPeer = packets / PEERS / (REST_MS / 1000);
      console.log(`  at rest: ${packets} mDNS packets in ${REST_MS / 1000} s from ${PEERS} peers = ${perPeer.toFixed(3)} packets/s per peer`);

      const watcher = peers[0]!;
      let from = watcher.notices.length;
      const t0 = Date.now();
      const dir = join(tmp.path, 'late');
      await mkdir(join(dir, 'shared'), { recursive: true });
      const late = await startPeer({ host: lan.hosts[PEERS]!, dir, port: PORT, name: 'late', readyTimeoutMs: 60_000 });
      peers.push(late);
      const tReady = Date.now();
      await watcher.waitForNotice(/^\* peer up: late /, 15_000, { from });
      console.log(`  new peer seen ${Date.now() - tReady} ms after its ready line (${tReady - t0} ms to start)`);
      from = watcher.notices.length;
      const t1 = Date.now();
      assert.is(await late.exit(), 0);
      await watcher.waitForNotice(/^\* peer down: late \(goodbye\)$/, 15_000, { from });
      console.log(`  clean exit seen after ${Date.now() - t1} ms`);
      from = watcher.notices.length;
      const t2 = Date.now();
      peers[1]!.kill('SIGKILL');
      await watcher.waitForNotice(/^\* peer down: peer2 \(expired\)$/, 15_000, { from });
      console.log(`  SIGKILLed peer dropped after ${Date.now() - t2} ms`);
    } finally {
      await Promise.all(peers.map((p) => p?.close()));
      await lan.close();
      await tmp.remove();
    }
  }));
}

test.run();
