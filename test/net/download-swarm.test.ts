// Two peers downloading one file at once from a slow holder, between real processes on a namespace
// LAN: each advertises the chunks it has (catalog `have`), serves them, and so they help each other.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { lanUnavailableReason } from '../support/lan.js';
import { parseDone, sha256File, waitHolders, withDownloadMesh, writeRandomFile } from '../support/download-mesh.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const MiB = 1024 * 1024;

if (skip) {
  console.log(`SKIP download swarm tests: ${skip}`);
} else {
  test('two downloaders of one file at once serve each other the chunks they already have', withTimeout(120_000, async () => {
    let source = '';
    await withDownloadMesh(
      3,
      async (i, dir) => {
        if (i === 0) await writeRandomFile((source = join(dir, 'shared', 'big.bin')), 64 * MiB);
      },
      async ({ lan, peers, dirs }) => {
        const [p1, p2, p3] = peers as [typeof peers[0], typeof peers[0], typeof peers[0]];
        await lan.setLinkRate(lan.hosts[0]!, 64_000_000);
        await waitHolders(p2, 'big.bin', 1);
        await waitHolders(p3, 'big.bin', 1);
        const t0 = Date.now();
        await p2.command('download big.bin');
        await p2.waitForNotice(/^\* download big\.bin: [\d.]+% /, 10_000);
        // p2's partial copy is on the mesh with the chunks it holds.
        const where = await p1.poll('where big.bin', (l) => l.some((x) => /peer2 .* \d+\/64 chunks: \d/.test(x)), { timeoutMs: 5000, intervalMs: 200 });
        console.log(`  ${where.find((x) => x.includes('peer2'))!.trim()}`);
        assert.match((await p3.command('download big.bin'))[0]!, /^downloading big\.bin \(64\.0 MiB, 64 chunks\) from 2 holders$/);
        const [d2, d3] = await Promise.all([
          p2.waitForNotice(/^\* downloaded big\.bin/, 60_000).then(parseDone),
          p3.waitForNotice(/^\* downloaded big\.bin/, 60_000).then(parseDone),
        ]);
        console.log(`  peer2 ${d2.line}\n  peer3 ${d3.line}\n  both done ${Date.now() - t0} ms after the first started`);
        assert.ok((d3.shares.get('peer2') ?? 0) >= 4 * MiB, 'peer2 served peer3 chunks from its partial download');
        assert.ok((d2.shares.get('peer3') ?? 0) > 0, 'and peer3 served peer2 too');
        const want = await sha256File(source);
        assert.is(await sha256File(join(dirs[1]!, 'downloads', 'big.bin')), want);
        assert.is(await sha256File(join(dirs[2]!, 'downloads', 'big.bin')), want);
      },
    );
  }));
}

test.run();
