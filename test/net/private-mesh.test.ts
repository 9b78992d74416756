// A private mesh on a LAN of network namespaces, real lanmesh processes: three peers share one secret
// (one from --secret, one from LANMESH_SECRET, one from .lanmesh/secret), a fourth has none. The three
// list and download from each other; the fourth sees none of them, they do not list it, and its
// knocks on their ports (plain, or TLS with another secret) are closed unanswered.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createLan, inNetns, lanUnavailableReason, type Lan, type LanHost } from '../support/lan.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { copySample, sampleNames } from '../support/samples.js';
import { download, sha256File } from '../support/download-mesh.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const PORT = 9001;
const SECRET = 'k3f9q-2mxbw-private-test-mesh';
const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const PROBE = fileURLToPath(new URL('../support/outsider-probe.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function inHost(host: LanHost, argv: string[], env: Record<string, string> = {}): Promise<Run> {
  const full = inNetns(host, [process.execPath, ...argv]);
  return new Promise((resolve) => {
    const child = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const peerCount = (lines: string[]) => Number(/^(\d+) peers?$/.exec(lines[0] ?? '')?.[1] ?? -1);

async function withPrivateMesh(fn: (lan: Lan, peers: PeerProcess[], dirs: string[]) => Promise<void>): Promise<void> {
  const tmp = await makeTmpDir();
  const lan = await createLan(4);
  const peers: PeerProcess[] = [];
  const dirs = lan.hosts.map((_, i) => join(tmp.path, `peer${i + 1}`));
  try {
    for (const [i, dir] of dirs.entries()) await copySample(i === 3 ? 1 : ((i + 1) as 1 | 2 | 3), dir);
    // peer4 (no secret) gets peer1's sample too, plus a file of its own.
    await writeFile(join(dirs[3]!, 'shared', 'outsider-only.txt'), 'not for the private mesh\n');
    await mkdir(join(dirs[2]!, '.lanmesh'), { recursive: true });
    await writeFile(join(dirs[2]!, '.lanmesh', 'secret'), `${SECRET}\n`, { mode: 0o600 });
    const how: Array<{ args?: string[]; env?: Record<string, string> }> = [
      { args: ['--secret', SECRET] },
      { env: { LANMESH_SECRET: SECRET } },
      {},
      {},
    ];
    await Promise.all(lan.hosts.map(async (host, i) => {
      peers[i] = await startPeer({ host, dir: dirs[i]!, port: PORT, name: `peer${i + 1}`, ...how[i] });
    }));
    await fn(lan, peers, dirs);
  } finally {
    await Promise.all(peers.map((p) => p?.close()));
    await lan.close();
    await tmp.remove();
  }
}

if (skip) {
  console.log(`SKIP private mesh tests: ${skip}`);
} else {
  test('three peers with one secret list and download from each other; the fourth sees none of it', withTimeout(120_000, async () => {
    await withPrivateMesh(async (lan, peers, dirs) => {
      const [p1, p2, p3, p4] = peers as [PeerProcess, PeerProcess, PeerProcess, PeerProcess];
      const names = [await sampleNames(1), await sampleNames(2), await sampleNames(3)];
      for (const [i, p] of [p1, p2, p3].entries()) {
        const answer = await p.poll('peers', (l) => peerCount(l) === 2, { timeoutMs: 15_000 });
        assert.ok(!answer.some((l) => l.startsWith('peer4 ')), `peer${i + 1} does not list peer4:\n${answer.join('\n')}`);
        const list = await p.poll('list', (l) => names.flat().every((n) => l.some((row) => row.includes(n))), { timeoutMs: 15_000 });
        assert.ok(!list.some((l) => l.includes('outsider-only.txt')), `peer${i + 1} never lists peer4's file`);
      }
      // By now every private announcement went out several times: peer4 took none of them in.
      assert.is(peerCount(await p4.command('peers')), 0);
      const outsiderList = (await p4.command('list')).join('\n');
      for (const n of [...names[1]!, ...names[2]!]) {
        if (!names[0]!.includes(n)) assert.ok(!outsiderList.includes(n), `peer4 lists no private file (${n}):\n${outsiderList}`);
      }

      // A download between private peers is byte-identical.
      const done = await download(p1, 'sample-data.bin');
      assert.is(await sha256File(join(dirs[0]!, done.path)), await sha256File(join(dirs[2]!, 'shared', 'sample-data.bin')));

      // peer4 knocks on peer1's ports directly: plain, then with another secret. Closed, never answered.
      const h1 = lan.hosts[0]!;
      for (const secret of [undefined, 'some other mesh secret']) {
        const run = await inHost(lan.hosts[3]!, ['--enable-source-maps', PROBE, h1.address, String(PORT), ...(secret ? [secret] : [])]);
        const rows = run.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { role: string; ask: string; outcome: string; answer?: string; frames?: string[] });
        assert.is(rows.length, 6, run.stdout + run.stderr);
        for (const r of rows) {
          assert.ok(!/^answered/.test(r.answer ?? ''), `${r.role} ${r.ask}: ${JSON.stringify(r)}`);
          assert.equal(r.frames ?? [], [], `${r.role}: no frame came back`);
          assert.ok(/^closed|^dial failed/.test(r.outcome), `${r.role} ${r.ask} (${secret ? 'wrong secret' : 'plain'}): ${JSON.stringify(r)}`);
        }
      }
      // The same probe with the right secret is answered (the check above can fail).
      const member = await inHost(lan.hosts[3]!, ['--enable-source-maps', PROBE, h1.address, String(PORT), SECRET]);
      assert.match(member.stdout, /"role":"sender","ask":"catalog.get".*"answer":"answered catalog"/);
      const refusals = p1.notices.filter((n) => n.startsWith('! ') && n.includes(`refused a connection from ${lan.hosts[3]!.address}`));
      assert.ok(refusals.length >= 1 && refusals.length <= 2, `one warning per kind, not per knock:\n${refusals.join('\n')}`);

      // One-shot commands: a wrong secret lists nothing of the mesh; the right one lists it.
      const wrong = await inHost(lan.hosts[3]!, [CLI, 'list', '--json', '--secret', 'some other mesh secret']);
      assert.is(wrong.code, 0, wrong.stderr);
      assert.ok(!wrong.stdout.includes('sample-data.bin'), wrong.stdout);
      const right = await inHost(lan.hosts[3]!, [CLI, 'list', '--json'], { LANMESH_SECRET: SECRET });
      assert.ok(right.stdout.includes('sample-data.bin'), right.stdout + right.stderr);
    });
  }));

  test('a secret file open to others, or unreadable, is one clear start-up error', withTimeout(30_000, async () => {
    const tmp = await makeTmpDir();
    const lan = await createLan(1);
    try {
      const dir = join(tmp.path, 'p');
      await mkdir(join(dir, '.lanmesh'), { recursive: true });
      const file = join(dir, '.lanmesh', 'secret');
      await writeFile(file, `${SECRET}\n`, { mode: 0o644 });
      await chmod(file, 0o644);
      const open = await inHost(lan.hosts[0]!, [CLI, '-t', String(PORT), '--dir', dir, '--no-tui']);
      assert.is(open.code, 1);
      assert.is(open.stderr.trim().split('\n').length, 1, open.stderr);
      assert.match(open.stderr, /lanmesh: the mesh secret .*secret is open to other users \(mode 0644\): chmod 600/);
      // Unreadable: root reads any mode, so make it something no one can read as a file.
      const { rm } = await import('node:fs/promises');
      await rm(file);
      await mkdir(file);
      const unreadable = await inHost(lan.hosts[0]!, [CLI, '-t', String(PORT), '--dir', dir, '--no-tui']);
      assert.is(unreadable.code, 1);
      assert.is(unreadable.stderr.trim().split('\n').length, 1, unreadable.stderr);
      assert.match(unreadable.stderr, /lanmesh: (cannot read the mesh secret|the mesh secret .* is not a regular file)/);
      const short = await inHost(lan.hosts[0]!, [CLI, '-t', String(PORT), '--dir', tmp.path, '--no-tui', '--secret', 'short']);
      assert.ok(short.code !== 0);
      assert.match(short.stderr, /^lanmesh: --secret: the secret must be at least 8 characters/);
      const fresh = await inHost(lan.hosts[0]!, [CLI, 'secret', 'new']);
      assert.is(fresh.code, 0);
      assert.match(fresh.stdout, /^[a-z2-9]{5}(-[a-z2-9]{5}){5}\n$/);
    } finally {
      await lan.close();
      await tmp.remove();
    }
  }));

  test('doctor probes a private static peer with the secret: answered with it, refused without', withTimeout(40_000, async () => {
    const tmp = await makeTmpDir();
    const lan = await createLan(2);
    let peer: PeerProcess | undefined;
    try {
      const dir = join(tmp.path, 'p');
      await mkdir(join(dir, 'shared'), { recursive: true });
      peer = await startPeer({ host: lan.hosts[0]!, dir, port: PORT, name: 'private', args: ['--secret', SECRET] });
      const at = `${lan.hosts[0]!.address}:${PORT}`;
      const withSecret = await inHost(lan.hosts[1]!, [CLI, 'doctor', '--peer', at], { LANMESH_SECRET: SECRET });
      assert.match(withSecret.stdout, new RegExp(`${at}: private \\([0-9a-f]+\\) at .* answers hello`), withSecret.stdout);
      const without = await inHost(lan.hosts[1]!, [CLI, 'doctor', '--peer', at]);
      assert.match(without.stdout, new RegExp(`${at}: no hello answer`), without.stdout);
      assert.match(without.stdout, /same --secret/);
    } finally {
      await peer?.close();
      await lan.close();
      await tmp.remove();
    }
  }));
}

test.run();
