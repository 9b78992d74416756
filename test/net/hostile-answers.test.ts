// Issue 15 items 4 and 10, with real processes in a namespace LAN: holders that never answer
// manifest.get do not hold up line mode (download is answered at once, `peers` right after it), and
// a remote error text with newlines, a forged notice and ESC stays one printable line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createLan, lanUnavailableReason } from '../support/lan.js';
import { startHostile } from '../support/download-mesh.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { copySample } from '../support/samples.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const MUTES = 6;

if (skip) {
  console.log(`SKIP hostile answer tests: ${skip}`);
} else {
  test('six holders that never answer manifest.get and one that lies: line mode keeps answering, one printable line each', withTimeout(60_000, async () => {
    const tmp = await makeTmpDir();
    const lan = await createLan(2);
    const hostiles: ChildProcessWithoutNullStreams[] = [];
    let p1: PeerProcess | undefined;
    try {
      const [h1, h2] = lan.hosts as [typeof lan.hosts[0], typeof lan.hosts[0]];
      p1 = await startPeer({ host: h1, dir: await copySample(1, join(tmp.path, 'p1')), port: 9001, name: 'peer1' });
      for (let i = 0; i < MUTES; i++) hostiles.push(await startHostile(h2, ['mute', String(9100 + 10 * i)]));
      hostiles.push(await startHostile(h2, ['liar', '9200']));
      const peer = p1;
      await peer.poll('list', (l) => l.some((x) => x.includes('wanted.bin')) && l.some((x) => x.includes('lies.bin')), { timeoutMs: 15_000 });
      await peer.poll('peers', (l) => l[0] === `${MUTES + 1} peers`, { timeoutMs: 15_000 });

      // Before: download waited 5 s per mute holder (30 s) and `peers` after it as long.
      const asked = Date.now();
      // Both answers are due within 2 s (the commands time out otherwise); the figure is printed.
      const download = peer.command('download wanted.bin', { timeoutMs: 2000 });
      const peers = peer.command('peers', { timeoutMs: 2000 });
      const answer = await download;
      const peersAnswer = await peers;
      const peersMs = Date.now() - asked;
      console.log(`download answered: ${JSON.stringify(answer)}; peers answered ${peersMs} ms after the download was typed`);
      assert.match(answer[0]!, /^download: still working/);
      assert.is(peersAnswer[0], `${MUTES + 1} peers`);
      // The download fails as one notice once every holder has had its one timeout (in parallel).
      const failed = await peer.waitForNotice(/^! download: error: cannot get the manifest/, 15_000);
      assert.ok(Date.now() - asked < 15_000, `failed after ${Date.now() - asked} ms`);
      assert.not.match(failed, /[\u0000-\u001f]/);

      // A lying holder's error text: one answer line, no control characters, no forged notice.
      const noticesBefore = peer.notices.length;
      const lie = await peer.command('download lies.bin', { timeoutMs: 8000 });
      console.log(`liar answered: ${JSON.stringify(lie)}`);
      const text = [...lie, ...peer.notices.slice(noticesBefore)].join('\n');
      assert.match(text, /remote replied NOT_FOUND: no\uFFFD\uFFFD\* downloaded evil\.txt\uFFFD\[2J\uFFFD\uFFFD/);
      assert.not.match(text, /[\u0000-\u0009\u000b-\u001f]/);
      assert.ok(!peer.notices.some((n) => n.startsWith('* downloaded evil')), 'no forged notice');
      assert.is((await peer.command('peers'))[0], `${MUTES + 1} peers`, 'still alive and framed');
    } finally {
      for (const h of hostiles) h.kill('SIGKILL');
      await p1?.close();
      await lan.close();
      await tmp.remove();
    }
  }));
}

test.run();
