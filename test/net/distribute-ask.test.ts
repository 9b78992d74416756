// `--accept ask` between real lanmesh processes in line mode: an offer shows as a y/n question, a typed
// y accepts it, n declines it, and no answer refuses it after --ask-timeout. A recipient that accepts
// after the origin dealt the chunks (it waited for the others' answers at most 3 s) still gets the file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { lanUnavailableReason } from '../support/lan.js';
import { sha256File, withDownloadMesh, writeRandomFile } from '../support/download-mesh.js';
import type { PeerProcess } from '../support/peer-process.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const MiB = 1024 * 1024;
const QUESTION = /^\* peer1 pushes big\.bin \(8\.0 MiB\): accept it\? y\/n \(refused in (\d+) s\)$/;

async function meshed(peers: PeerProcess[]): Promise<void> {
  const n = peers.length - 1;
  await Promise.all(peers.map((p) => p.poll('peers', (l) => l[0] === `${n} peers`, { timeoutMs: 20_000, intervalMs: 200 })));
}

if (skip) {
  console.log(`SKIP distribute-ask tests: ${skip}`);
} else {
  test('--accept ask: y accepts (even after the dealing), n declines, silence refuses after --ask-timeout', withTimeout(120_000, async () => {
    let source = '';
    await withDownloadMesh(4, async (i, dir) => {
      if (i === 0) await writeRandomFile((source = join(dir, 'shared', 'big.bin')), 8 * MiB);
    }, async ({ peers, dirs }) => {
      await meshed(peers);
      const [origin, yes, silent, no] = peers as [PeerProcess, PeerProcess, PeerProcess, PeerProcess];
      await origin.poll('list', (l) => l.some((x) => /^\* +big\.bin /.test(x)), { timeoutMs: 20_000, intervalMs: 200 });
      await origin.command('distribute big.bin');
      const asked = await Promise.all([yes, silent, no].map((p) => p.waitForNotice(QUESTION, 20_000)));
      assert.equal(asked.map((q) => QUESTION.exec(q)![1]), ['60', '5', '60']);
      assert.equal(await no.command('n'), ['refused big.bin from peer1']);
      assert.match(await origin.waitForNotice(/^\* push big\.bin: peer4 refused: /, 10_000), 'declined by its user');
      // peer3 never answers: refused after its 5 s; by then the origin has dealt the chunks (3 s).
      await silent.waitForNotice(/^\* no answer for big\.bin from peer1: refused$/, 20_000);
      assert.match(await origin.waitForNotice(/^\* push big\.bin: peer3 refused: /, 10_000), 'no answer within 5 s');
      assert.equal(await yes.command('YES'), ['accepted big.bin from peer1']);
      await yes.waitForNotice(/^\* downloaded big\.bin/, 60_000);
      const summary = await origin.waitForNotice(/^\* distributed big\.bin: /, 30_000);
      console.log(`  ${summary}`);
      assert.match(summary, /1 done, 2 refused, 0 gone/);
      assert.is(await sha256File(join(dirs[1]!, 'downloads', 'big.bin')), await sha256File(source));
      for (const i of [2, 3]) assert.equal(await readdir(join(dirs[i]!, 'downloads')), []);
      // Once nothing waits, y is a command like any other word.
      assert.match((await yes.command('y'))[0]!, /unknown command/);
    }, { args: (i) => (i === 0 ? [] : ['--accept', 'ask', ...(i === 2 ? ['--ask-timeout', '5'] : [])]) });
  }));
}

test.run();
