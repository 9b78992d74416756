// Hostile input from the network never crashes a peer: garbage on UDP 5353, and "peers" whose
// catalog replies are oversized, truncated, not JSON, or full of unsafe names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createLan, inNetns, lanUnavailableReason } from '../support/lan.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { copySample } from '../support/samples.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const HOSTILE = fileURLToPath(new URL('../support/hostile-peer.js', import.meta.url));
const MODES = ['oversized', 'truncated', 'badjson', 'evilnames'];

function startHostile(argv: string[]): Promise<ChildProcessWithoutNullStreams> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (out.includes('hostile ready')) resolve(child);
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.once('exit', (code) => reject(new Error(`hostile peer exited (${code}): ${out}`)));
  });
}

if (skip) {
  console.log(`SKIP mesh robustness tests: ${skip}`);
} else {
  test('garbage mDNS and hostile catalogs: peers keep working, warn, write nothing', withTimeout(60_000, async () => {
    const tmp = await makeTmpDir();
    const lan = await createLan(3);
    const peers: PeerProcess[] = [];
    const hostiles: ChildProcessWithoutNullStreams[] = [];
    try {
      const [h1, h2, h3] = lan.hosts as [typeof lan.hosts[0], typeof lan.hosts[0], typeof lan.hosts[0]];
      const d1 = await copySample(1, join(tmp.path, 'p1'));
      const d2 = await copySample(2, join(tmp.path, 'p2'));
      peers.push(await startPeer({ host: h1, dir: d1, port: 9001, name: 'peer1' }));
      peers.push(await startPeer({ host: h2, dir: d2, port: 9001, name: 'peer2' }));
      for (const [i, mode] of MODES.entries()) {
        hostiles.push(await startHostile(inNetns(h3, [process.execPath, HOSTILE, mode, String(9100 + 10 * i)])));
      }
      const [p1, p2] = peers as [PeerProcess, PeerProcess];
      // Both real peers see each other and the four hostile ones, and still fetch real catalogs.
      for (const p of peers) {
        await p.poll('peers', (l) => /^5 peers$/.test(l[0] ?? ''), { timeoutMs: 5000 });
      }
      await p1.poll('list', (l) => l.some((x) => x.includes('meeting-notes.txt')), { timeoutMs: 5000 });
      await p1.waitForNotice(/^! catalog of hostile-(oversized|truncated|badjson)/, 5000);
      // Still alive and answering after all of it.
      for (const p of [p1, p2]) {
        const answer = await p.command('peers');
        assert.match(answer[0]!, /^5 peers$/);
      }
      const list = (await p1.command('list')).join('\n');
      assert.ok(!/hostile-(oversized|truncated|badjson)/.test(list), 'no broken catalog was taken in');
      // Nothing was written beside or above the peer folders.
      assert.equal((await readdir(tmp.path)).sort(), ['p1', 'p2']);
      assert.equal((await readdir(d1)).sort(), ['.lanmesh', 'downloads', 'shared']);
    } finally {
      for (const h of hostiles) h.kill('SIGKILL');
      await Promise.all(peers.map((p) => p.close()));
      await lan.close();
      await tmp.remove();
    }
  }));
}

test.run();
