// cancel: a running download stops for good — its partial data is deleted, and a restart of the peer
// does not resume it; a download whose only holder is gone can be cancelled too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { lanUnavailableReason } from '../support/lan.js';
import { waitHolders, withDownloadMesh, writeRandomFile } from '../support/download-mesh.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const MiB = 1024 * 1024;

if (skip) {
  console.log(`SKIP cancel tests: ${skip}`);
} else {
  test('cancel deletes the partial; after a restart the download does not come back', withTimeout(90_000, async () => {
    await withDownloadMesh(
      2,
      async (i, dir) => {
        if (i === 0) await writeRandomFile(join(dir, 'shared', 'big.bin'), 24 * MiB);
      },
      async ({ lan, peers, dirs, restart }) => {
        const [seeder, p2] = peers as [typeof peers[0], typeof peers[0]];
        // ~1 MB/s out of the seeder: the download is still running when it is cancelled.
        await lan.setLinkRate(lan.hosts[0]!, 8_000_000);
        await waitHolders(p2, 'big.bin', 1);
        assert.match((await p2.command('download big.bin'))[0]!, /^downloading big\.bin/);
        const partial = join(dirs[1]!, '.lanmesh', 'partial');
        await p2.waitForNotice(/^\* download big\.bin: (?!0\.0%)/, 20_000);
        assert.is((await readdir(partial)).length, 1, 'a partial download on disk');
        const answer = await p2.command('cancel big.bin');
        assert.match(answer[0]!, /^cancelled big\.bin \([\d.]+ (?:KiB|MiB) fetched, deleted\): it will not resume$/, answer.join('|'));
        assert.equal(await readdir(partial), [], 'the partial data is gone');
        await p2.waitForNotice(/^\* download big\.bin cancelled: its partial data is deleted$/, 5000);
        assert.not.ok(p2.notices.some((n) => /^! download big\.bin failed/.test(n)), 'a cancel is not a failure');
        assert.match((await p2.command('downloads'))[0]!, /^0 downloads in progress$/);
        assert.equal(await p2.command('cancel big.bin'), ["error: no download 'big.bin' (see downloads)"]);
        // A restarted peer resumes nothing.
        await p2.close();
        const again = await restart(1);
        await again.waitForNotice(/^\* peer up: peer1 /, 15_000);
        assert.match((await again.command('downloads'))[0]!, /^0 downloads in progress$/);
        assert.not.ok(again.notices.some((n) => /resuming big\.bin/.test(n)), again.notices.join('\n'));

        // A download whose only holder has gone waits for ever; cancel ends it too.
        assert.match((await again.command('download big.bin'))[0]!, /^downloading big\.bin/);
        await seeder.close();
        await waitFor(async () => ((await again.command('downloads')).some((l) => /waiting/.test(l)) ? true : undefined), {
          timeoutMs: 30_000, intervalMs: 200, what: 'the download waiting for a holder',
        });
        assert.match((await again.command('cancel big.bin'))[0]!, /^cancelled big\.bin/);
        assert.equal(await readdir(partial), []);
      },
    );
  }));
}

test.run();
