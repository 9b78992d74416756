// `--index` and mDNS together, on a LAN of network namespaces: an index server on host 1 (default
// port 7734), three peers that both register with it and discover each other.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLan, lanUnavailableReason, type Lan } from '../support/lan.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { startIndexServer, type IndexServerProcess } from '../support/index-server-process.js';
import { copySample, REPO } from '../support/samples.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const PORT = 9001;

/** Index rows as "RFC host:port"; whether the mesh part lists `name`. */
const indexRows = (lines: string[]) =>
  lines.map((l) => /^[* ] +RFC (\d+) .* (\S+:\d+)$/.exec(l)).filter((m) => m).map((m) => `${m![1]} ${m![2]}`).sort();
const meshHas = (lines: string[], name: string) => {
  const at = lines.findIndex((l) => /^mesh \(mDNS\): \d+ files? on the mesh$/.test(l));
  return at >= 0 && lines.slice(at).some((l) => l.includes(name));
};

if (skip) {
  console.log(`SKIP p2pci-cli-lan: ${skip}`);
} else {
  test('index mode and mDNS at once: list shows both, an RFC fetched over P2P-CI joins the mesh too', withTimeout(90_000, async () => {
    const tmp = await makeTmpDir();
    let lan: Lan | undefined;
    let idx: IndexServerProcess | undefined;
    const peers: PeerProcess[] = [];
    try {
      lan = await createLan(3);
      const h1 = lan.hosts[0]!;
      idx = await startIndexServer({ port: 7734, lanHost: h1, quiet: true });
      assert.match(idx.stdout, /^index server listening on 0\.0\.0\.0:7734\n/);
      for (const [i, host] of lan.hosts.entries()) {
        const dir = join(tmp.path, `peer${i + 1}`);
        await copySample((i + 1) as 1 | 2 | 3, dir);
        peers.push(await startPeer({ host, dir, port: PORT, name: `peer${i + 1}`, args: ['--index', h1.address] }));
      }
      const [p1, p2, p3] = peers as [PeerProcess, PeerProcess, PeerProcess];
      const [a1, a2, a3] = lan.hosts.map((h) => h.address);
      assert.match(await p2.waitForNotice(/^\* index /), new RegExp(`^\\* index ${a1}:7734: registered 1 RFC \\(793\\) as ${a2}:${PORT + 1}$`));

      const both = await p2.poll('list', (l) => indexRows(l).length === 3 && meshHas(l, 'rfc768.txt') && meshHas(l, 'rfc791.txt'), { timeoutMs: 20_000 });
      assert.is(both[0], `index ${a1}:7734: 3 records (this peer is ${a2}:${PORT + 1})`);
      assert.equal(indexRows(both), [`768 ${a3}:${PORT + 1}`, `791 ${a1}:${PORT + 1}`, `793 ${a2}:${PORT + 1}`]);
      assert.ok(meshHas(both, 'peer3'), both.join('\n'));

      // P2P-CI download across hosts, then the same bytes show up on the mesh with two holders.
      const got = await p3.command('download RFC 791');
      assert.equal(got, [`downloaded RFC 791 Internet Protocol (summary for the lab): 944 B from ${a1}:${PORT + 1} → downloads/rfc791.txt`]);
      assert.ok((await readFile(join(tmp.path, 'peer3', 'downloads', 'rfc791.txt'))).equals(await readFile(join(REPO, 'peer1', 'shared', 'rfc791.txt'))));
      await p2.poll('list', (l) => indexRows(l).includes(`791 ${a3}:${PORT + 1}`), { timeoutMs: 10_000 });
      await p2.poll('list', (l) => l.some((x) => x.includes('rfc791.txt') && x.includes('peer1, peer3')), { timeoutMs: 10_000 });

      // A name (not an RFC number) still means a mesh download when mDNS runs.
      const mesh = await p1.command('download rfc768.txt');
      assert.ok(!mesh[0]!.startsWith('error:'), mesh.join('\n'));
    } finally {
      await Promise.all(peers.map((p) => p.close()));
      await idx?.close();
      await lan?.close();
      await tmp.remove();
    }
  }));
}

test.run();
