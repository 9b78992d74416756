// Real lanmesh processes on a LAN of network namespaces: discovery, catalogs, leaving, crashing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createLan, lanUnavailableReason, type Lan } from '../support/lan.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { copySample, sampleNames, REPO } from '../support/samples.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const PORT = 9001;

interface Mesh {
  lan: Lan;
  peers: PeerProcess[];
  tmp: string;
}

async function withMesh(hosts: number, fn: (m: Mesh) => Promise<void>): Promise<void> {
  const tmp = await makeTmpDir();
  const lan = await createLan(hosts);
  const peers: PeerProcess[] = [];
  try {
    await Promise.all(
      lan.hosts.map(async (host, i) => {
        const dir = join(tmp.path, `peer${i + 1}`);
        if (i < 3) await copySample((i + 1) as 1 | 2 | 3, dir);
        else await mkdir(join(dir, 'shared'), { recursive: true });
        peers[i] = await startPeer({ host, dir, port: PORT, name: `peer${i + 1}` });
      }),
    );
    await fn({ lan, peers, tmp: tmp.path });
  } finally {
    await Promise.all(peers.map((p) => p?.close()));
    await lan.close();
    await tmp.remove();
  }
}

const peerCount = (lines: string[]) => Number(/^(\d+) peers?$/.exec(lines[0] ?? '')?.[1] ?? -1);
const hasPeer = (name: string) => (lines: string[]) => lines.slice(1).some((l) => l.startsWith(`${name} `));

if (skip) {
  console.log(`SKIP mesh tests: ${skip}`);
} else {
  test('three hosts see each other and every sample file', withTimeout(60_000, async () => {
    const all = [...new Set([...(await sampleNames(1)), ...(await sampleNames(2)), ...(await sampleNames(3))])];
    await withMesh(3, async ({ lan, peers }) => {
      const t0 = Date.now();
      for (const [i, p] of peers.entries()) {
        const answer = await p.poll('peers', (l) => peerCount(l) === 2, { timeoutMs: 3000 });
        for (const [j, other] of lan.hosts.entries()) {
          if (j === i) continue;
          const row = answer.find((l) => l.startsWith(`peer${j + 1} `));
          assert.ok(row, `peer${i + 1} lists peer${j + 1}`);
          assert.ok(row!.includes(other.address), `row shows the address: ${row}`);
          assert.ok(row!.includes(`ports ${PORT},${PORT + 1},${PORT + 2},${PORT + 3}`), row);
        }
        const list = await p.poll('list', (l) => all.every((n) => l.join('\n').includes(n)), { timeoutMs: 3000 });
        assert.match(list[0]!, /files? on the mesh/);
      }
      console.log(`  3 hosts converged (peers + every sample file) ${Date.now() - t0} ms after the last start`);
      // Identical bytes under different names are one entry with two holders.
      const list = await peers[0]!.command('list');
      const notes = list.find((l) => l.includes('notes.txt'));
      assert.ok(notes, list.join('\n'));
      assert.match(notes!, /peer1, peer2/);
      const local = list.filter((l) => l.startsWith('* '));
      assert.ok(local.length >= (await sampleNames(1)).length - 1, 'local files are marked with *');
    });
  }));

  test('exit removes a peer everywhere at once; SIGKILL within the record TTL', withTimeout(90_000, async () => {
    await withMesh(3, async ({ peers }) => {
      const [p1, p2, p3] = peers as [PeerProcess, PeerProcess, PeerProcess];
      for (const p of peers) await p.poll('peers', (l) => peerCount(l) === 2, { timeoutMs: 5000 });
      const t0 = Date.now();
      assert.is(await p3.exit(), 0);
      assert.match(p3.output(), /\* bye/);
      await p1.poll('peers', (l) => !hasPeer('peer3')(l), { timeoutMs: 1500, intervalMs: 20 });
      await p2.poll('peers', (l) => !hasPeer('peer3')(l), { timeoutMs: 1500, intervalMs: 20 });
      console.log(`  clean exit gone from both others after ${Date.now() - t0} ms`);
      const n1 = p1.notices.length;
      const t1 = Date.now();
      p2.kill('SIGKILL');
      await p1.waitForNotice(/^\* peer down: peer2 \(expired\)$/, 15_000, { from: n1 });
      console.log(`  SIGKILLed peer expired after ${Date.now() - t1} ms`);
      await p1.poll('peers', (l) => peerCount(l) === 0, { timeoutMs: 2000 });
    });
  }));

  test('a file copied into shared/ while running appears on the others', withTimeout(60_000, async () => {
    await withMesh(2, async ({ peers, tmp }) => {
      const [p1, p2] = peers as [PeerProcess, PeerProcess];
      await p2.poll('peers', (l) => peerCount(l) === 1, { timeoutMs: 5000 });
      const t0 = Date.now();
      await copyFile(join(REPO, 'README.md'), join(tmp, 'peer1', 'shared', 'fresh readme.md'));
      await p2.poll('list', (l) => l.some((x) => x.includes('fresh readme.md') && x.includes('peer1')), { timeoutMs: 4000, intervalMs: 50 });
      console.log(`  new file visible on the other host after ${Date.now() - t0} ms`);
      assert.ok((await p1.command('list')).some((x) => x.startsWith('* ') && x.includes('fresh readme.md')));
    });
  }));

  test('ten peers on one LAN all converge', withTimeout(120_000, async () => {
    await withMesh(10, async ({ peers }) => {
      const t0 = Date.now();
      for (const p of peers) await p.poll('peers', (l) => peerCount(l) === 9, { timeoutMs: 15_000 });
      for (const p of peers) await p.poll('list', (l) => l.join('\n').includes('notes.txt'), { timeoutMs: 10_000 });
      console.log(`  10 peers converged ${Date.now() - t0} ms after the last start`);
    });
  }));
}

test.run();
