// Push (distribute) between real lanmesh processes on a LAN of network namespaces: the origin uploads
// each chunk about once, recipients fetch the rest from each other; refusals, holders and departures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, readdir } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { lanUnavailableReason, type LanHost } from '../support/lan.js';
import { parseDone, sha256File, withDownloadMesh, writeRandomFile, type DownloadMesh } from '../support/download-mesh.js';
import type { PeerProcess } from '../support/peer-process.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const MiB = 1024 * 1024;
const execFileP = promisify(execFile);

/** Bytes that left the host's veth, read inside its namespace. */
async function txBytes(host: LanHost): Promise<number> {
  const { stdout } = await execFileP('ip', ['netns', 'exec', host.netns, 'cat', `/sys/class/net/${host.iface}/statistics/tx_bytes`]);
  return Number(stdout.trim());
}

/** Every peer lists all the others. */
async function meshed(peers: PeerProcess[]): Promise<void> {
  const n = peers.length - 1;
  await Promise.all(peers.map((p) => p.poll('peers', (l) => l[0] === `${n} peer${n === 1 ? '' : 's'}`, { timeoutMs: 20_000, intervalMs: 200 })));
}

async function withPush(
  hosts: number,
  prepare: (i: number, dir: string, source: () => string) => Promise<void>,
  fn: (m: DownloadMesh, source: string) => Promise<void>,
  args: (i: number) => string[] = () => [],
): Promise<void> {
  let source = '';
  await withDownloadMesh(
    hosts,
    async (i, dir) => {
      if (i === 0) await writeRandomFile((source = join(dir, 'shared', 'big.bin')), 32 * MiB);
      await prepare(i, dir, () => source);
    },
    async (m) => {
      await meshed(m.peers);
      await m.peers[0]!.poll('list', (l) => l.some((x) => /^\* +big\.bin /.test(x)), { timeoutMs: 20_000, intervalMs: 200 });
      await fn(m, source);
    },
    { args },
  );
}

const DONE_PUSH = /^\* distributed big\.bin: /;

if (skip) {
  console.log(`SKIP distribute tests: ${skip}`);
} else {
  test('four hosts: 32 MiB from host 1 reaches hosts 2-4 identical; the origin sends < 1.3x the file', withTimeout(120_000, async () => {
    await withPush(4, async () => {}, async ({ lan, peers, dirs }, source) => {
      const origin = peers[0]!;
      const before = await txBytes(lan.hosts[0]!);
      const answer = await origin.command('distribute big.bin');
      assert.match(answer[0]!, /^distributing big\.bin \(32\.0 MiB\) to 3 peers/, answer.join('\n'));
      const done = await Promise.all(peers.slice(1).map((p) => p.waitForNotice(/^\* downloaded big\.bin/, 60_000)));
      const summary = await origin.waitForNotice(DONE_PUSH, 30_000);
      const sent = (await txBytes(lan.hosts[0]!)) - before;
      console.log(`  ${summary}`);
      for (const l of origin.notices.filter((n) => /^\*\s+peer\d /.test(n) || /^\* push big\.bin: /.test(n))) console.log(`  ${l}`);
      for (const d of done) console.log(`  ${d}`);
      console.log(`  origin veth tx: ${(sent / MiB).toFixed(1)} MiB for a 32 MiB file (${(sent / (32 * MiB)).toFixed(2)}x)`);
      assert.match(summary, /3 done, 0 refused, 0 gone/);
      assert.ok(sent < 1.3 * 32 * MiB, `origin sent ${sent} bytes`);
      const want = await sha256File(source);
      for (const dir of dirs.slice(1)) {
        assert.is(await sha256File(join(dir, 'downloads', 'big.bin')), want);
        assert.equal(await readdir(join(dir, '.lanmesh', 'partial')), []);
      }
      const fromPeers = done.map((l) => parseDone(l)).reduce((n, d) => n + [...d.shares].filter(([name]) => name !== 'peer1').reduce((a, [, b]) => a + b, 0), 0);
      console.log(`  recipients got ${(fromPeers / MiB).toFixed(1)} MiB from each other`);
      assert.ok(fromPeers >= 32 * MiB, 'recipients fed each other');
    });
  }));
}

test.run();
