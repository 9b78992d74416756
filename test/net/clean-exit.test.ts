// A seeder that leaves cleanly (exit) in the middle of an upload: the downloader finishes from the
// other holder and prints no warning: a clean close is not a fault (issue 14, item 6).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lanUnavailableReason } from '../support/lan.js';
import { percentOf, sha256File, waitHolders, withDownloadMesh, writeRandomFile } from '../support/download-mesh.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const MiB = 1024 * 1024;

if (skip) {
  console.log(`SKIP clean-exit test: ${skip}`);
} else {
  test('a seeder that exits mid-upload: no warning on the downloader, which finishes from the other', withTimeout(90_000, async () => {
    let source = '';
    await withDownloadMesh(
      3,
      async (i, dir) => {
        if (i === 0) {
          source = join(dir, 'shared', 'big.bin');
          await writeRandomFile(source, 32 * MiB);
        } else if (i === 1) {
          await copyFile(source, join(dir, 'shared', 'big.bin'));
        }
      },
      async ({ lan, peers, dirs }) => {
        const [p1, , p3] = peers as [typeof peers[0], typeof peers[0], typeof peers[0]];
        // ~2 MB/s from each seeder: both are mid-chunk most of the time.
        await lan.setLinkRate(lan.hosts[0]!, 16_000_000);
        await lan.setLinkRate(lan.hosts[1]!, 16_000_000);
        await waitHolders(p3, 'big.bin', 2);
        const from = p3.notices.length;
        assert.match((await p3.command('download big.bin'))[0]!, /^downloading big\.bin/);
        await p3.waitForNotice(/^\* download big\.bin: /, 20_000, { from });
        await p3.poll('downloads', (l) => l.some((x) => percentOf(x.replace(/^\s+/, 'x: ')) >= 10), { timeoutMs: 30_000 }).catch(() => undefined);
        await p1.command('exit').catch(() => undefined);
        assert.is((await p1.exited).code, 0);
        const done = await p3.waitForNotice(/^\* downloaded big\.bin/, 60_000, { from });
        console.log(`  ${done}`);
        assert.is(await sha256File(join(dirs[2]!, 'downloads', 'big.bin')), await sha256File(source));
        const warnings = p3.notices.slice(from).filter((n) => n.startsWith('! '));
        assert.equal(warnings, [], 'no warning on the downloader');
      },
    );
  }));
}

test.run();
