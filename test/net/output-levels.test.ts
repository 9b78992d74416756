// --quiet and --verbose (issue 14, item 9): a quiet peer answers and reports results but prints no
// notices; --verbose adds every module's debug lines on stderr and leaves stdout as it was.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lanUnavailableReason } from '../support/lan.js';
import { waitHolders, withDownloadMesh } from '../support/download-mesh.js';
import { runCli } from '../support/run-cli.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();

if (skip) {
  console.log(`SKIP output level tests: ${skip}`);
} else {
  test('a --quiet peer: answers and the finished download, no peer up / progress / sent lines', withTimeout(60_000, async () => {
    await withDownloadMesh(
      2,
      async (i, dir) => {
        if (i === 0) await writeFile(join(dir, 'shared', 'notes.txt'), 'n'.repeat(554));
      },
      async ({ peers }) => {
        const [seeder, quiet] = peers as [typeof peers[0], typeof peers[0]];
        await waitHolders(quiet, 'notes.txt', 1);
        assert.match((await quiet.command('peers')).join('\n'), /peer1/);
        assert.match((await quiet.command('download notes.txt'))[0]!, /^downloading notes\.txt/);
        await quiet.waitForNotice(/^\* downloaded notes\.txt:/, 20_000);
        // The seeder is not quiet: it says what it sent, and saw the quiet peer come.
        await seeder.waitForNotice(/^\* sent notes\.txt to peer2 \(554 B\)$/, 20_000);
        assert.ok(seeder.notices.some((n) => /^\* peer up: peer2 /.test(n)), seeder.notices.join('\n'));
        const chatty = quiet.notices.filter((n) => /^\* (peer up|peer down|download notes|sent )/.test(n));
        assert.equal(chatty, [], `the quiet peer printed notices:\n${quiet.notices.join('\n')}`);
      },
      { args: (i) => (i === 1 ? ['--quiet'] : []) },
    );
  }));

  test('--verbose: debug lines on stderr, stdout the same answer', withTimeout(60_000, async () => {
    const plain = await runCli(['peers', '--wait', '0.2']);
    const verbose = await runCli(['peers', '--wait', '0.2', '--verbose']);
    assert.is(plain.code, 0, plain.stderr);
    assert.is(verbose.code, 0, verbose.stderr);
    assert.is(verbose.stdout.replace(/oneshot-\d+ \S+/, 'X'), plain.stdout.replace(/oneshot-\d+ \S+/, 'X'));
    assert.not.match(plain.stderr, /lanmesh:/);
    assert.match(verbose.stderr, /^lanmesh:mdns bound .+ as /m);
    const quietToo = await runCli(['peers', '--verbose', '--quiet', '--json']);
    assert.is(quietToo.code, 2);
    assert.equal(JSON.parse(quietToo.stdout), { error: { code: 'BAD_COMMAND', message: '--quiet and --verbose do not go together' } });
  }));
}

test.run();
