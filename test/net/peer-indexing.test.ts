// A peer answers commands and discovery while it is still hashing a large folder, and a signal
// during that time still sends the goodbye.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { createLan, lanUnavailableReason } from '../support/lan.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();

/** A sparse file: costs no disk, but hashing it still reads every byte. */
async function sparse(path: string, bytes: number): Promise<void> {
  const fh = await open(path, 'w');
  await fh.truncate(bytes);
  await fh.close();
}

if (skip) {
  console.log(`SKIP peer indexing tests: ${skip}`);
} else {
  test('commands and discovery answer while a large folder is indexed; SIGINT then says goodbye', withTimeout(90_000, async () => {
    const tmp = await makeTmpDir();
    const lan = await createLan(2);
    const peers: PeerProcess[] = [];
    try {
      const big = join(tmp.path, 'big');
      await mkdir(join(big, 'shared'), { recursive: true });
      await sparse(join(big, 'shared', 'huge.img'), 6 * 1024 ** 3);
      const small = join(tmp.path, 'small');
      await mkdir(join(small, 'shared'), { recursive: true });
      const [h1, h2] = lan.hosts as [typeof lan.hosts[0], typeof lan.hosts[0]];
      const other = await startPeer({ host: h2, dir: small, port: 9001, name: 'other' });
      peers.push(other);
      const t0 = Date.now();
      const busy = await startPeer({ host: h1, dir: big, port: 9001, name: 'busy' });
      peers.push(busy);
      // It found the other peer and answers, and the 6 GiB file is not indexed yet.
      const answer = await busy.poll('peers', (l) => l[0] === '1 peer', { timeoutMs: 5000 });
      assert.match(answer[1]!, /^other /);
      const list = await busy.command('list');
      const answeredAfter = Date.now() - t0;
      assert.ok(!list.join('\n').includes('huge.img'), `still indexing after ${answeredAfter} ms:\n${list.join('\n')}`);
      await other.poll('peers', (l) => l[0] === '1 peer', { timeoutMs: 5000 });
      console.log(`  ready and answering ${answeredAfter} ms after start, while still hashing 6 GiB`);
      // Ctrl+C now: the other peer hears a goodbye, not an expiry.
      const from = other.notices.length;
      busy.kill('SIGINT');
      const exit = await busy.exited;
      assert.is(exit.code, 0);
      await other.waitForNotice(/^\* peer down: busy \(goodbye\)$/, 3000, { from });
    } finally {
      await Promise.all(peers.map((p) => p.close()));
      await lan.close();
      await tmp.remove();
    }
  }));
}

test.run();
