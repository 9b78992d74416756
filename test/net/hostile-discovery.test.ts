// Issue 15, the catalog and discovery defects, with real peer processes on a namespace LAN and the
// attacker on its own host: forged mDNS (a flood of never-expiring instances, goodbyes and hijacks
// for a real peer, text that forges lines, a peer lying about its revision), and a holder whose
// catalog disagrees with its verified manifest. The peer must stay alive, answer `peers` within 1 s
// during the attack, stay bounded, and still serve an honest download while the attack runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createLan, inNetns, lanUnavailableReason, type LanHost } from '../support/lan.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { REPO, copySample } from '../support/samples.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const FORGER = fileURLToPath(new URL('../support/hostile-mdns.js', import.meta.url));
const HOSTILE = fileURLToPath(new URL('../support/hostile-peer.js', import.meta.url));
const FLOOD = 2000;

/** A child process whose stdout lines the test can wait for. */
function startChild(argv: string[], ready: string) {
  const child: ChildProcessWithoutNullStreams = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    const parts = (partial + s).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const started = () => waitFor(() => lines.some((l) => l.startsWith(ready)), { timeoutMs: 10_000, what: `${ready} (${err})` });
  return { child, lines, started };
}

async function timedPeers(p: PeerProcess): Promise<{ ms: number; lines: string[] }> {
  const t = Date.now();
  const lines = await p.command('peers');
  return { ms: Date.now() - t, lines };
}

async function rssMb(p: PeerProcess): Promise<number> {
  const status = await readFile(`/proc/${p.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

interface Scene {
  h2: LanHost;
  h3: LanHost;
  p1: PeerProcess;
  p2: PeerProcess;
  /** Children the test starts on h3; killed at the end. */
  children: ChildProcessWithoutNullStreams[];
}

/** Three hosts: peer1 (sample 1) on h1, peer2 (sample 2) on h2, h3 for the attacker; all torn down after fn. */
async function onLan(fn: (s: Scene) => Promise<void>): Promise<void> {
  const tmp = await makeTmpDir();
  const lan = await createLan(3);
  const peers: PeerProcess[] = [];
  const children: ChildProcessWithoutNullStreams[] = [];
  try {
    const [h1, h2, h3] = lan.hosts as [LanHost, LanHost, LanHost];
    peers.push(await startPeer({ host: h1, dir: await copySample(1, join(tmp.path, 'p1')), port: 9001, name: 'peer1' }));
    peers.push(await startPeer({ host: h2, dir: await copySample(2, join(tmp.path, 'p2')), port: 9001, name: 'peer2' }));
    await fn({ h2, h3, p1: peers[0]!, p2: peers[1]!, children });
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(peers.map((p) => p.close()));
    await lan.close();
    await tmp.remove();
  }
}

if (skip) {
  console.log(`SKIP hostile discovery tests: ${skip}`);
} else {
  test('forged mDNS from another host: table bounded, the real peer kept, no forged lines, no fetch loop, download served', withTimeout(60_000, async () => {
    await onLan(async ({ h2, h3, p1, p2, children }) => {
      const victim = (await p2.ready).peerId;
      await p1.poll('list', (l) => l.some((x) => x.includes('rfc793.txt') && x.includes('peer2')), { timeoutMs: 10_000 });

      const forger = startChild(inNetns(h3, [process.execPath, FORGER, victim, 'peer2', String(FLOOD), '9500']), 'forger ready');
      children.push(forger.child);
      await forger.started();
      const from = p1.notices.length;
      const download = p1.command('download rfc793.txt');
      // About 4 s of attack: `peers` answers fast, always lists peer2 at its own address, and stays bounded.
      let slowest = 0;
      let most = 0;
      const until = Date.now() + 4000;
      while (Date.now() < until) {
        const { ms, lines } = await timedPeers(p1);
        slowest = Math.max(slowest, ms);
        most = Math.max(most, Number(/^(\d+) peers?$/.exec(lines[0]!)?.[1] ?? 0));
        assert.ok(lines.some((x) => x.startsWith('peer2') && x.includes(h2.address) && x.includes(`id ${victim}`)), `peer2 missing or moved:\n${lines.slice(0, 5).join('\n')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const done = await p1.waitForNotice(/^\* downloaded rfc793\.txt/, 15_000, { from }).catch((e: Error) => {
        throw new Error(`${e.message}\n${p1.output().split('\n').filter((n) => n.includes('rfc793')).join('\n')}`);
      });
      assert.ok((await download)[0], 'download answered');
      forger.child.stdin.write('count\n');
      await waitFor(() => forger.lines.some((l) => l.startsWith('connections ')), { timeoutMs: 5000 });
      const [, conns, flood] = /^connections (\d+) flood (\d+)$/.exec(forger.lines.find((l) => l.startsWith('connections '))!)!;
      const rss = await rssMb(p1);
      console.log(`  attack: ${flood} forged instances; peers answered in ≤ ${slowest} ms, at most ${most} peers; ` +
        `liar fetched ${conns} times in ~4 s; RSS ${rss.toFixed(0)} MB; ${done}`);
      assert.ok(slowest < 1000, `peers took ${slowest} ms`);
      // peer2, then at most the per-source share (32) for the attacker's address.
      assert.ok(most <= 33, `${most} peers listed`);
      assert.ok(Number(flood) >= 1000, 'the flood was sent');
      // Both real peers fetch the liar, each on its own backoff (about 5 times each in this window).
      assert.ok(Number(conns) >= 2 && Number(conns) <= 16, `the liar was fetched ${conns} times`);
      assert.ok(rss < 200, `RSS ${rss} MB`);
      const out = p1.output();
      assert.not.ok(out.includes('\u001b'), 'no escape reached the output');
      assert.not.ok(/^[*!] downloaded secret/m.test(out), 'no forged line');
      assert.ok(/^! .*mdns: ignored a (goodbye|announcement) for peer [0-9a-f]{16} from 10\.\d+\.\d+\.3:5353: it is at /m.test(out), 'the hijack was named');
      assert.is(p1.pid !== undefined && (await p1.command('peers')).length > 0, true);
    });
  }));

  test('a holder whose catalog size disagrees with the verified manifest: no crash on download or on later changes', withTimeout(60_000, async () => {
    await onLan(async ({ h3, p1, children }) => {
      const file = join(REPO, 'peer3', 'shared', 'rfc768.txt');
      const hostile = startChild(inNetns(h3, [process.execPath, HOSTILE, 'wrongsize', '9100', file]), 'hostile ready');
      children.push(hostile.child);
      await hostile.started();
      await p1.poll('list', (l) => l.some((x) => x.includes('rfc768.txt')) && l.some((x) => x.includes('meeting-notes.txt')), { timeoutMs: 5000 });
      const answer = await p1.command('download rfc768.txt');
      assert.not.match(answer.join('\n'), /TypeError|Cannot read/);
      // Every catalog the hostile serves from now on is a catalog change on peer1, with the download live.
      const served = hostile.lines.filter((l) => l === 'served catalog').length;
      await waitFor(() => hostile.lines.filter((l) => l === 'served catalog').length >= served + 4, { timeoutMs: 10_000 });
      const { ms } = await timedPeers(p1);
      const list = await p1.command('list');
      console.log(`  after the download and 4 catalog changes: alive, peers in ${ms} ms; download answered: ${answer[0]}`);
      assert.ok(ms < 1000, `peers took ${ms} ms`);
      assert.ok(list.some((x) => x.includes('rfc768.txt')), list.join('\n'));
      assert.ok(list.some((x) => x.includes('meeting-notes.txt')));
      assert.not.match(p1.output(), /TypeError/);
    });
  }));
}

test.run();
