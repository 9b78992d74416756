// Push (distribute) between real lanmesh processes on a LAN of network namespaces: the origin uploads
// each chunk about once, recipients fetch the rest from each other; refusals, holders and departures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, readdir } from 'node:fs/promises';
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { inNetns, lanUnavailableReason, type LanHost } from '../support/lan.js';
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

  test('--accept none refuses the push and nothing is written there; the others still get it', withTimeout(90_000, async () => {
    await withPush(3, async () => {}, async ({ peers, dirs }, source) => {
      const origin = peers[0]!;
      await origin.command('distribute big.bin');
      const refused = await origin.waitForNotice(/^\* push big\.bin: peer3 refused: /, 20_000);
      assert.match(refused, '--accept none');
      const summary = await origin.waitForNotice(DONE_PUSH, 60_000);
      console.log(`  ${refused}\n  ${summary}`);
      assert.match(summary, /1 done, 1 refused, 0 gone/);
      assert.match(summary, /origin sent 1\.0\dx the file/);
      assert.is(await sha256File(join(dirs[1]!, 'downloads', 'big.bin')), await sha256File(source));
      assert.equal(await readdir(join(dirs[2]!, 'downloads')), []);
      assert.equal(await readdir(join(dirs[2]!, '.lanmesh', 'partial')).catch(() => []), []);
      assert.not.ok(peers[2]!.notices.some((n) => /downloaded|receiving/.test(n)), peers[2]!.notices.join('\n'));
    }, (i) => (i === 2 ? ['--accept', 'none'] : []));
  }));

  test('a recipient that holds the file already says so and serves its share to the others', withTimeout(90_000, async () => {
    await withPush(4, async (i, dir, source) => {
      if (i === 3) await copyFile(source(), join(dir, 'shared', 'big.bin'));
    }, async ({ peers, dirs }, source) => {
      const origin = peers[0]!;
      await peers[3]!.poll('list', (l) => l.some((x) => /^\* +big\.bin /.test(x)), { timeoutMs: 20_000, intervalMs: 200 });
      await origin.command('distribute big.bin');
      const held = await origin.waitForNotice(/^\* push big\.bin: peer4 has it already here/, 20_000);
      const done = await Promise.all(peers.slice(1, 3).map((p) => p.waitForNotice(/^\* downloaded big\.bin/, 60_000)));
      const summary = await origin.waitForNotice(DONE_PUSH, 30_000);
      console.log(`  ${held}\n  ${summary}\n  ${done.join('\n  ')}`);
      await peers[3]!.waitForNotice(/offered big\.bin: already here/, 5000);
      assert.match(summary, /2 done, 1 had it, 0 refused, 0 gone/);
      const fromHolder = done.reduce((n, l) => n + (parseDone(l).shares.get('peer4') ?? 0), 0);
      assert.ok(fromHolder >= 8 * MiB, `peer4 served ${fromHolder} bytes`);
      const want = await sha256File(source);
      for (const dir of dirs.slice(1, 3)) assert.is(await sha256File(join(dir, 'downloads', 'big.bin')), want);
    });
  }));

  test('--to reaches only the named peer', withTimeout(90_000, async () => {
    await withPush(3, async () => {}, async ({ peers, dirs }, source) => {
      const origin = peers[0]!;
      const answer = await origin.command('distribute big.bin --to peer3');
      assert.equal(answer, ['distributing big.bin (32.0 MiB) to 1 peer: peer3']);
      await peers[2]!.waitForNotice(/^\* downloaded big\.bin/, 60_000);
      const summary = await origin.waitForNotice(DONE_PUSH, 30_000);
      assert.match(summary, /1 done, 0 refused, 0 gone/);
      assert.is(await sha256File(join(dirs[2]!, 'downloads', 'big.bin')), await sha256File(source));
      assert.equal(await readdir(join(dirs[1]!, 'downloads')).catch(() => []), []);
      assert.not.ok(peers[1]!.notices.some((n) => /big\.bin/.test(n)), peers[1]!.notices.join('\n'));
      const bad = await origin.command('distribute big.bin --to nobody');
      assert.match(bad[0]!, /no peer 'nobody'/);
    });
  }));

  test('a recipient killed midway: its share goes to the others, who complete', withTimeout(120_000, async () => {
    await withPush(4, async () => {}, async ({ lan, peers, dirs }, source) => {
      const origin = peers[0]!;
      // About 7 s for the origin to send the file once: time to kill peer3 halfway.
      await lan.setLinkRate(lan.hosts[0]!, 40_000_000);
      await origin.command('distribute big.bin');
      await origin.waitForNotice(/^\* push big\.bin: .*peer3 [1-9]\d?% /, 30_000);
      await peers[2]!.close();
      const done = await Promise.all([peers[1]!, peers[3]!].map((p) => p.waitForNotice(/^\* downloaded big\.bin/, 90_000)));
      const summary = await origin.waitForNotice(DONE_PUSH, 30_000);
      console.log(`  ${summary}\n  ${done.join('\n  ')}`);
      assert.match(summary, /2 done, 0 refused, 1 gone/);
      const want = await sha256File(source);
      for (const i of [1, 3]) assert.is(await sha256File(join(dirs[i]!, 'downloads', 'big.bin')), want);
    });
  }));

  test('the origin killed once every chunk reached a recipient: the others complete from each other', withTimeout(120_000, async () => {
    await withPush(4, async () => {}, async ({ lan, peers, dirs }, source) => {
      const origin = peers[0]!;
      await lan.setLinkRate(lan.hosts[0]!, 100_000_000);
      await origin.command('distribute big.bin');
      await origin.waitForNotice(/^\* push big\.bin: every chunk has reached a recipient/, 60_000);
      await origin.close();
      const done = await Promise.all(peers.slice(1).map((p) => p.waitForNotice(/^\* downloaded big\.bin/, 90_000)));
      console.log(`  ${done.join('\n  ')}`);
      const want = await sha256File(source);
      for (const dir of dirs.slice(1)) assert.is(await sha256File(join(dir, 'downloads', 'big.bin')), want);
    });
  }));

  test('one-shot: lanmesh distribute <path> --json pushes a file from outside any peer folder', withTimeout(90_000, async () => {
    await withDownloadMesh(3, async () => {}, async ({ lan, peers, dirs, tmp }) => {
      await meshed(peers);
      const file = join(tmp, 'slides.bin');
      await writeRandomFile(file, 8 * MiB);
      const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
      const argv = inNetns(lan.hosts[2]!, [process.execPath, cli, 'distribute', file, '--json', '--wait', '2']);
      const run = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(argv[0]!, argv.slice(1), { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('close', (code) => resolve({ code, out, err }));
      });
      assert.is(run.code, 0, run.err);
      const j = JSON.parse(run.out);
      console.log(`  ${run.out.trim()}`);
      assert.is(j.file.name, 'slides.bin');
      assert.equal(j.recipients.map((r: { state: string }) => r.state), ['done', 'done']);
      assert.ok(j.ratio < 1.3, `ratio ${j.ratio}`);
      const want = await sha256File(file);
      for (const dir of dirs) assert.is(await sha256File(join(dir, 'downloads', 'slides.bin')), want);
      assert.equal((await readdir(tmp)).filter((n) => n.startsWith('.lanmesh-oneshot')), []);
    }, { peers: 2 });
  }));
}

test.run();
