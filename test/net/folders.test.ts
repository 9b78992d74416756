// Folders between real processes on a namespace LAN (issue 12): a tree of many small files and a few
// big ones in nested folders, held by two peers, downloaded by a third: byte-identical, from both.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { lanUnavailableReason } from '../support/lan.js';
import { withDownloadMesh } from '../support/download-mesh.js';
import { treeDigest, writeTree } from '../support/folder-tree.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const MiB = 1024 * 1024;
const FOLDER_DONE_RE = /^\* downloaded (.+?)\/: (\d+) files, .+ → (.+?)\/; from (.*); (\d+) files fetched, (\d+) kept, (\d+) copied locally \((.+) saved\)$/;

if (skip) {
  console.log(`SKIP folder tests: ${skip}`);
} else {
  test('a tree of 2,000 small files and 3 big ones on two holders: the third peer gets it byte for byte, from both', withTimeout(180_000, async () => {
    await withDownloadMesh(
      3,
      async (i, dir) => {
        if (i === 0) await writeTree(join(dir, 'shared', 'proj ü'), { small: 2000, smallMax: 16 * 1024, big: [3 * MiB, 5 * MiB + 17, 2 * MiB + 5] });
        if (i === 1) await cp(join(dir, '..', 'peer1', 'shared', 'proj ü'), join(dir, 'shared', 'proj ü'), { recursive: true });
      },
      async ({ peers, dirs }) => {
        const [, , p3] = peers as [typeof peers[0], typeof peers[0], typeof peers[0]];
        const list = await p3.poll('list', (l) => l.some((x) => /proj ü\/ +2003 files, .* peer1, peer2|proj ü\/ +2003 files, .* peer2, peer1/.test(x)), { timeoutMs: 60_000, intervalMs: 500 });
        console.log(list.slice(0, 3).map((l) => `  ${l}`).join('\n'));
        const from = p3.notices.length;
        const answer = await p3.command('download proj ü/');
        assert.match(answer[0]!, /^downloading proj ü\/ \(2003 files, .*\) from 2 holders$/);
        const done = await p3.waitForNotice(/^\* downloaded proj ü\//, 120_000, { from });
        console.log(`  ${done}`);
        const m = FOLDER_DONE_RE.exec(done);
        assert.ok(m, done);
        assert.is(m![2], '2003');
        assert.match(m![4]!, /peer1 .*peer2|peer2 .*peer1/, 'both holders sent a share');
        assert.equal(await treeDigest(join(dirs[2]!, 'downloads', 'proj ü')), await treeDigest(join(dirs[0]!, 'shared', 'proj ü')));
        // The finished folder is offered at once: the mesh sees a third holder.
        await peers[0]!.poll('where proj ü/', (l) => l[1] === '3 holders', { timeoutMs: 15_000, intervalMs: 300 });
      },
    );
  }));
}

test.run();
