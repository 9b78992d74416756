// Many small downloads started at once between real processes on a namespace LAN: every one lands
// identical, and starting one never reads (or warns about) another download's partial folder.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lanUnavailableReason } from '../support/lan.js';
import { withDownloadMesh } from '../support/download-mesh.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const COUNT = 120;

if (skip) {
  console.log(`SKIP many-downloads test: ${skip}`);
} else {
  test(`${COUNT} small downloads at once: all identical, no partial-folder warnings`, withTimeout(120_000, async () => {
    const sums = new Map<string, string>();
    await withDownloadMesh(
      2,
      async (i, dir) => {
        if (i !== 0) return;
        for (let k = 0; k < COUNT; k++) {
          // Sizes from 1 byte to a few chunks' worth of a small chunk-free file: mostly single-chunk files.
          const data = randomBytes(1 + ((k * 7919) % 40_000));
          const name = `s${String(k).padStart(3, '0')}.bin`;
          await writeFile(join(dir, 'shared', name), data);
          sums.set(name, createHash('sha256').update(data).digest('hex'));
        }
      },
      async ({ peers, dirs }) => {
        const dl = peers[1]!;
        await dl.poll('list', (l) => l[0] === `${COUNT} files on the mesh`, { timeoutMs: 30_000, intervalMs: 200 });
        const from = dl.notices.length;
        const answers = await Promise.all([...sums.keys()].map((n) => dl.command(`download ${n}`)));
        for (const a of answers) assert.match(a[0]!, /^downloading /);
        for (const name of sums.keys()) await dl.waitForNotice(new RegExp(`^\\* downloaded ${name.replace('.', '\\.')}:`), 60_000, { from });
        const partialWarnings = dl.notices.slice(from).filter((n) => /partial download/.test(n));
        assert.equal(partialWarnings, [], 'no download read another one\'s partial folder');
        for (const [name, sum] of sums) {
          const got = createHash('sha256').update(await readFile(join(dirs[1]!, 'downloads', name))).digest('hex');
          assert.is(got, sum, name);
        }
      },
    );
  }));
}

test.run();
