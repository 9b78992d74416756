// Two peers with the same name are told apart in `list` by their address (issue 14, item 8).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLan, lanUnavailableReason, type Lan, type LanHost } from '../support/lan.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();

if (skip) {
  console.log(`SKIP same-name test: ${skip}`);
} else {
  test('list names holders that share a name by their address', withTimeout(60_000, async () => {
    const tmp = await makeTmpDir();
    let lan: Lan | undefined;
    const peers: PeerProcess[] = [];
    try {
      lan = await createLan(3);
      const [h1, h2, h3] = lan.hosts as [LanHost, LanHost, LanHost];
      for (const [i, host] of [h1, h2, h3].entries()) {
        const dir = join(tmp.path, `p${i}`);
        await mkdir(join(dir, 'shared'), { recursive: true });
        if (i > 0) await writeFile(join(dir, 'shared', 'slides.pdf'), 'the same slides\n');
        peers.push(await startPeer({ host, dir, port: 9001, name: i === 0 ? 'viewer' : 'lab-pc' }));
      }
      const lines = await peers[0]!.poll('list', (l) => l.some((x) => x.includes('slides.pdf') && x.includes(h3.address) && x.includes(h2.address)), { timeoutMs: 20_000 });
      const row = lines.find((l) => l.includes('slides.pdf'))!;
      // Holders come in name order, then by peer id (random here): either order is right.
      const both = [`lab-pc (${h2.address}), lab-pc (${h3.address})`, `lab-pc (${h3.address}), lab-pc (${h2.address})`];
      assert.ok(both.some((b) => row.includes(b)), row);
    } finally {
      await Promise.all(peers.map((p) => p.close()));
      await lan?.close();
      await tmp.remove();
    }
  }));
}

test.run();
