// A seeder sees its uploads (issue 14, item 8): one notice per requester and file once the requester's
// download ends, naming the file, the requester and the bytes this seeder sent of it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lanUnavailableReason } from '../support/lan.js';
import { waitHolders, withDownloadMesh, writeRandomFile } from '../support/download-mesh.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const MiB = 1024 * 1024;
const SENT = /^\* sent big\.bin to peer3 \(([\d.]+) MiB of 8\.0 MiB\)$|^\* sent big\.bin to peer3 \(8\.0 MiB\)$/;

if (skip) {
  console.log(`SKIP upload notice tests: ${skip}`);
} else {
  test('each seeder says what it sent to whom; a small file is one notice with its size', withTimeout(90_000, async () => {
    await withDownloadMesh(
      3,
      async (i, dir) => {
        if (i === 0) await writeFile(join(dir, 'shared', 'notes.txt'), 'n'.repeat(554));
        if (i === 1) await writeRandomFile(join(dir, 'shared', 'other.bin'), 1 * MiB);
      },
      async ({ peers }) => {
        const [s1, s2, dl] = peers as [typeof peers[0], typeof peers[0], typeof peers[0]];
        await waitHolders(dl, 'notes.txt', 1);
        const from1 = s1.notices.length;
        assert.match((await dl.command('download notes.txt'))[0]!, /^downloading notes\.txt/);
        await dl.waitForNotice(/^\* downloaded notes\.txt:/, 20_000);
        await s1.waitForNotice(/^\* sent notes\.txt to peer3 \(554 B\)$/, 20_000, { from: from1 });
        assert.not.ok(s2.notices.some((n) => n.includes('sent notes.txt')), 'peer2 sent nothing of notes.txt');
      },
    );
  }));

  test('two seeders of one file: each reports its share, the shares add up to the file', withTimeout(90_000, async () => {
    await withDownloadMesh(
      3,
      async (i, dir) => {
        if (i < 2) await writeFile(join(dir, 'shared', 'big.bin'), Buffer.alloc(8 * MiB, 7));
      },
      async ({ lan, peers }) => {
        const [s1, s2, dl] = peers as [typeof peers[0], typeof peers[0], typeof peers[0]];
        // Slow links, so both seeders get a share before the download ends.
        await lan.setLinkRate(lan.hosts[0]!, 40_000_000);
        await lan.setLinkRate(lan.hosts[1]!, 40_000_000);
        await waitHolders(dl, 'big.bin', 2);
        assert.match((await dl.command('download big.bin'))[0]!, /^downloading big\.bin/);
        await dl.waitForNotice(/^\* downloaded big\.bin:/, 60_000);
        const sent = await Promise.all([s1, s2].map((s) => s.waitForNotice(SENT, 20_000)));
        const mib = sent.map((l) => Number(SENT.exec(l)![1] ?? 8));
        const total = mib.reduce((a, b) => a + b, 0);
        assert.ok(total >= 7.9, `shares add up to the file: ${sent.join(' | ')}`);
        for (const s of [s1, s2]) assert.is(s.notices.filter((n) => n.includes('sent big.bin')).length, 1, 'one notice per requester and file');
      },
    );
  }));
}

test.run();
