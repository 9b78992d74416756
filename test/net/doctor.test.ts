// `lanmesh doctor` as a user runs it, on namespace hosts: a healthy host hears the peer next door and
// its --peer answers (exit 0); a host whose multicast route is missing is told so (exit 1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLan, inNetns, lanUnavailableReason, type LanHost } from '../support/lan.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const PORT = 9001;

function doctor(host: LanHost, args: string[]): Promise<{ code: number; out: string }> {
  const [cmd, ...argv] = inNetns(host, [process.execPath, CLI, 'doctor', ...args]);
  return new Promise((resolve) => {
    execFile(cmd!, argv, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
      resolve({ code, out: stdout + stderr });
    });
  });
}

if (skip) {
  console.log(`SKIP doctor tests: ${skip}`);
} else {
  test('doctor: healthy host (exit 0) and a host without a multicast route (exit 1, says so)', withTimeout(60_000, async () => {
    const tmp = await makeTmpDir();
    const lan = await createLan(3);
    let peer: PeerProcess | undefined;
    try {
      const [h1, h2, h3] = lan.hosts as [LanHost, LanHost, LanHost];
      const dir = join(tmp.path, 'peer2');
      await mkdir(join(dir, 'shared'), { recursive: true });
      peer = await startPeer({ host: h2, dir, port: PORT, name: 'peer2' });

      const healthy = await doctor(h1, ['-t', String(PORT), '--peer', `${h2.address}:${PORT}`]);
      console.log(`  healthy host:\n${healthy.out.replace(/^/gm, '    ')}`);
      assert.is(healthy.code, 0, healthy.out);
      assert.match(healthy.out, /ok {4}interface: lmv1 10\.77\.0\.1, multicast on/);
      assert.match(healthy.out, /ok {4}multicast: our own query came back/);
      assert.match(healthy.out, /1 lanmesh peer answered _lanmesh\._tcp/);
      assert.match(healthy.out, /heard: peer2 10\.77\.0\.2/);
      assert.match(healthy.out, /ok {4}static peer: 10\.77\.0\.2:9001: peer2 \([0-9a-f]{16}\)/);
      assert.match(healthy.out, /all checks passed/);

      await new Promise<void>((resolve, reject) =>
        execFile('ip', ['-n', h3.netns, 'route', 'del', 'default'], (err) => (err ? reject(err) : resolve())));
      const broken = await doctor(h3, ['-t', String(PORT)]);
      console.log(`  host without a multicast route:\n${broken.out.replace(/^/gm, '    ')}`);
      assert.is(broken.code, 1, broken.out);
      assert.match(broken.out, /FAIL {2}multicast: no multicast route: sending to 224\.0\.0\.251 failed/);
      assert.match(broken.out, /ip route add 224\.0\.0\.0\/4 dev/);
    } finally {
      await peer?.close();
      await lan.close();
      await tmp.remove();
    }
  }));
}

test.run();
