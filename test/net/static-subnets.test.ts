// Two subnets joined by a router that forwards unicast but not multicast, real CLI processes started as
// a user types them: one `--peer` entry on one host lets the peers of both subnets list each other's
// files and download across the router; a SIGKILLed static peer is down within 15 s everywhere.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes, createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRoutedLan, inNetns, lanUnavailableReason, type RoutedLan } from '../support/lan.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const PORT = 9001;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const peerCount = (lines: string[]) => Number(/^(\d+) peers?$/.exec(lines[0] ?? '')?.[1] ?? -1);

if (skip) {
  console.log(`SKIP two-subnet static peer tests: ${skip}`);
} else {
  test('one --peer entry bridges two subnets: lists, downloads across the router, a killed peer goes down', withTimeout(120_000, async () => {
    const tmp = await makeTmpDir();
    const lan: RoutedLan = await createRoutedLan(2, 2);
    const peers: PeerProcess[] = [];
    const files = lan.hosts.map((_, i) => ({ name: `from-peer${i + 1}.bin`, bytes: randomBytes(300 * 1024 + i) }));
    try {
      const [h1, , h3] = lan.hosts;
      for (const [i, host] of lan.hosts.entries()) {
        const dir = join(tmp.path, `peer${i + 1}`);
        await mkdir(join(dir, 'shared'), { recursive: true });
        await writeFile(join(dir, 'shared', files[i]!.name), files[i]!.bytes);
        // Only peer1 is told anything: where peer3 is, across the router.
        const args = host === h1 ? ['--peer', `${h3!.address}:${PORT}`] : [];
        peers[i] = await startPeer({ host, dir, port: PORT, name: `peer${i + 1}`, args });
      }
      const t0 = Date.now();
      for (const p of peers) {
        await p.poll('peers', (l) => peerCount(l) === 3, { timeoutMs: 20_000, intervalMs: 200 });
        await p.poll('list', (l) => files.every((f) => l.join('\n').includes(f.name)), { timeoutMs: 10_000, intervalMs: 200 });
      }
      console.log(`  4 peers on 2 subnets listed every file ${Date.now() - t0} ms after the last start`);
      // Across the router only hello can have found them: they are marked static.
      const onP1 = await peers[0]!.command('peers');
      for (const far of ['peer3', 'peer4']) assert.match(onP1.find((l) => l.startsWith(`${far} `)) ?? '', /static$/, onP1.join('\n'));

      // A one-shot command as a user types it, from subnet A, naming one peer of subnet B.
      const [cmd, ...argv] = inNetns(lan.hosts[1]!, [process.execPath, CLI, 'list', '--peer', `${h3!.address}:${PORT}`]);
      const listed = await new Promise<string>((resolve, reject) =>
        execFile(cmd!, argv, { timeout: 30_000, cwd: tmp.path }, (err, out, errOut) => (err ? reject(new Error(errOut || String(err))) : resolve(out))));
      for (const f of files) assert.ok(listed.includes(f.name), `one-shot list shows ${f.name}:\n${listed}`);

      // peer2 was told nothing and peer4 is on the other side: a download across the router.
      const p2 = peers[1]!;
      const n = p2.notices.length;
      await p2.command(`download ${files[3]!.name}`);
      await p2.waitForNotice(new RegExp(`^\\* downloaded ${files[3]!.name.replace('.', '\\.')}`), 30_000, { from: n });
      assert.is(sha(await readFile(join(tmp.path, 'peer2', 'downloads', files[3]!.name))), sha(files[3]!.bytes));

      // The static peer dies without a goodbye: both sides of the router see it go within 15 s.
      const n1 = peers[0]!.notices.length;
      const n2 = p2.notices.length;
      const t1 = Date.now();
      peers[2]!.kill('SIGKILL');
      await peers[0]!.waitForNotice(/^\* peer down: peer3 \(expired\)$/, 15_000, { from: n1 });
      console.log(`  SIGKILLed static peer down on peer1 after ${Date.now() - t1} ms`);
      await p2.waitForNotice(/^\* peer down: peer3 \(expired\)$/, 15_000 - (Date.now() - t1), { from: n2 });
      console.log(`  … and on peer2 (learned by hello) after ${Date.now() - t1} ms`);
    } finally {
      await Promise.all(peers.map((p) => p?.close()));
      await lan.close();
      await tmp.remove();
    }
  }));
}

test.run();
