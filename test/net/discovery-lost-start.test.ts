// A peer whose start-up announcements and first query are all lost (a link that drops everything
// for its first seconds) still finds, and is found by, the others: browsing goes on with doubling
// intervals (RFC 6762 §5.2), since standard TTLs mean nobody re-announces on a timer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLan, lanUnavailableReason, type Lan, type LanHost } from '../support/lan.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

const execFileP = promisify(execFile);
const skip = lanUnavailableReason();

if (skip) {
  console.log(`SKIP lost-start discovery test: ${skip}`);
} else {
  test('a peer whose first seconds on the LAN are lost still finds the others, and they find it', withTimeout(60_000, async () => {
    const tmp = await makeTmpDir();
    let lan: Lan | undefined;
    const peers: PeerProcess[] = [];
    try {
      lan = await createLan(2);
      const [h1, h2] = lan.hosts as [LanHost, LanHost];
      for (const i of [0, 1]) await mkdir(join(tmp.path, `p${i + 1}`, 'shared'), { recursive: true });
      peers.push(await startPeer({ host: h1, dir: join(tmp.path, 'p1'), port: 9001, name: 'peer1' }));
      // Everything h2 sends or receives is dropped while peer2 starts: its announcements and its
      // first query never arrive, and it hears nothing.
      await execFileP('ip', ['-n', h2.netns, 'link', 'set', h2.iface, 'down']);
      peers.push(await startPeer({ host: h2, dir: join(tmp.path, 'p2'), port: 9001, name: 'peer2', readyTimeoutMs: 20_000 }));
      await new Promise((r) => setTimeout(r, 2500));
      await execFileP('ip', ['-n', h2.netns, 'link', 'set', h2.iface, 'up']);
      await execFileP('ip', ['-n', h2.netns, 'route', 'replace', 'default', 'dev', h2.iface]);
      const started = Date.now();
      const [a, b] = peers as [PeerProcess, PeerProcess];
      await b.poll('peers', (l) => l.some((x) => x.startsWith('peer1 ')), { timeoutMs: 20_000 });
      await a.poll('peers', (l) => l.some((x) => x.startsWith('peer2 ')), { timeoutMs: 20_000 });
      console.log(`  both found each other ${Date.now() - started} ms after the link came back`);
    } finally {
      await Promise.all(peers.map((p) => p.close()));
      await lan?.close();
      await tmp.remove();
    }
  }));
}

test.run();
