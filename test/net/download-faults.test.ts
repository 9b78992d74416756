// Downloads that go wrong, between real processes on a namespace LAN: holders killed midway (then
// every holder: it waits and goes on by itself), the downloader killed and restarted (resume), a
// holder that sends corrupt chunks, and a hostile catalog with unsafe names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { access, copyFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lanUnavailableReason } from '../support/lan.js';
import {
  download, parseDone, percentOf, sha256File, startHostile, waitHolders, withDownloadMesh, writeRandomFile,
} from '../support/download-mesh.js';
import { EVIL_NAMES } from '../support/hostile-seeder.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const MiB = 1024 * 1024;
/** Per shaped link: 64 Mbit/s is 8 MB/s, so 64 MiB from one holder takes about 8 s. */
const SLOW = 64_000_000;

if (skip) {
  console.log(`SKIP download fault tests: ${skip}`);
} else {
  test('holders killed midway: the others finish it; with none left it waits and goes on when one returns', withTimeout(150_000, async () => {
    let source = '';
    await withDownloadMesh(
      3,
      async (i, dir) => {
        if (i === 2) return;
        if (i === 0) await writeRandomFile((source = join(dir, 'shared', 'big.bin')), 64 * MiB);
        else await copyFile(source, join(dir, 'shared', 'big.bin'));
      },
      async ({ lan, peers, dirs, restart }) => {
        const p3 = peers[2]!;
        await lan.setLinkRate(lan.hosts[0]!, SLOW);
        await lan.setLinkRate(lan.hosts[1]!, SLOW);
        await waitHolders(p3, 'big.bin', 2);
        const from = p3.notices.length;
        assert.match((await p3.command('download big.bin'))[0]!, /^downloading big\.bin \(64\.0 MiB, 64 chunks\) from 2 holders$/);
        const first = await p3.waitForNotice(/^\* download big\.bin: [\d.]+% /, 10_000, { from });
        peers[1]!.kill('SIGKILL');
        console.log(`  killed peer2 at ${percentOf(first)}%`);
        // Progress goes on from peer1 alone.
        const later = await p3.waitForNotice(/^\* download big\.bin: [\d.]+% /, 10_000, { from: p3.notices.indexOf(first) + 1 });
        assert.ok(percentOf(later) > percentOf(first), `${later} after ${first}`);
        peers[0]!.kill('SIGKILL');
        console.log(`  killed peer1 at ${percentOf(later)}%`);
        const waiting = await p3.waitForNotice(/^\* download big\.bin: waiting for a holder/, 10_000, { from });
        console.log(`  ${waiting}`);
        await restart(0);
        const done = parseDone(await p3.waitForNotice(/^\* downloaded big\.bin/, 60_000, { from }));
        console.log(`  ${done.line}`);
        assert.ok(p3.notices.slice(from).some((n) => /^\* download big\.bin: a holder is back, going on$/.test(n)));
        assert.is(done.fetched, 64);
        assert.ok((done.shares.get('peer2') ?? 0) > 0, 'peer2 sent a share before it died');
        assert.is(await sha256File(join(dirs[2]!, 'downloads', 'big.bin')), await sha256File(source));
      },
    );
  }));

  test('the downloader killed midway resumes after a restart and fetches no verified chunk again', withTimeout(150_000, async () => {
    let source = '';
    await withDownloadMesh(
      2,
      async (i, dir) => {
        if (i === 0) await writeRandomFile((source = join(dir, 'shared', 'big.bin')), 64 * MiB);
      },
      async ({ lan, peers, dirs, restart }) => {
        await lan.setLinkRate(lan.hosts[0]!, SLOW);
        await waitHolders(peers[1]!, 'big.bin', 1);
        const from = peers[1]!.notices.length;
        await peers[1]!.command('download big.bin');
        const at = await peers[1]!.waitForNotice(/^\* download big\.bin: [\d.]+% /, 10_000, { from });
        peers[1]!.kill('SIGKILL');
        await peers[1]!.exited;
        const p2 = await restart(1);
        const resuming = await p2.waitForNotice(/^\* resuming big\.bin/, 10_000);
        const kept = Number(/: (\d+)\/64 chunks already here/.exec(resuming)?.[1]);
        console.log(`  killed at ${percentOf(at)}%; ${resuming}`);
        const done = parseDone(await p2.waitForNotice(/^\* downloaded big\.bin/, 60_000));
        console.log(`  ${done.line}`);
        assert.ok(kept >= 1, 'verified chunks were kept on disk');
        assert.is(done.kept, kept);
        assert.is(done.refetched, 0);
        assert.is(done.kept + done.fetched, 64, 'every other chunk fetched exactly once');
        assert.is(await sha256File(join(dirs[1]!, 'downloads', 'big.bin')), await sha256File(source));
      },
    );
  }));

  test('a holder that sends corrupt chunks is dropped and named; the file is still right', withTimeout(90_000, async () => {
    let source = '';
    await withDownloadMesh(
      3,
      async (i, dir) => {
        if (i === 0) await writeRandomFile((source = join(dir, 'shared', 'f.bin')), 16 * MiB);
      },
      async ({ lan, peers, dirs }) => {
        const hostile = await startHostile(lan.hosts[2]!, ['corrupt', '9101', source]);
        try {
          const p2 = peers[1]!;
          await waitHolders(p2, 'f.bin', 2);
          const from = p2.notices.length;
          const done = await download(p2, 'f.bin');
          console.log(`  ${done.line}`);
          const drop = p2.notices.slice(from).find((n) => n.startsWith('! download f.bin: dropped hostile-corrupt'));
          assert.ok(drop, p2.notices.join('\n'));
          assert.match(drop!, /\(10\.77\.0\.3\) from this download: it sent chunk \d+, which failed verification$/);
          assert.equal(done.dropped, ['hostile-corrupt']);
          assert.equal([...done.shares.keys()], ['peer1']);
          assert.is(await sha256File(join(dirs[1]!, 'downloads', 'f.bin')), await sha256File(source));
        } finally {
          hostile.kill('SIGKILL');
        }
      },
      { peers: 2 },
    );
  }));

  test('a hostile catalog with ../, absolute and backslash names writes nothing outside downloads/', withTimeout(90_000, async () => {
    await withDownloadMesh(
      2,
      async () => undefined,
      async ({ lan, peers, dirs, tmp }) => {
        const hostile = await startHostile(lan.hosts[1]!, ['evilseed', '9101']);
        try {
          const p1 = peers[0]!;
          for (const name of EVIL_NAMES) await waitHolders(p1, name, 1);
          const got: string[] = [];
          for (const name of EVIL_NAMES) got.push((await download(p1, name, 20_000)).path);
          console.log(`  saved as: ${got.join(' | ')}`);
          const inDownloads = (await readdir(join(dirs[0]!, 'downloads'))).sort();
          assert.is(inDownloads.length, EVIL_NAMES.length);
          for (const p of got) assert.ok(/^downloads\/[^/]+$/.test(p), p);
          assert.ok(inDownloads.includes('escape.txt') && inDownloads.includes('evil-lanmesh.txt'), inDownloads.join(', '));
          assert.ok(inDownloads.some((n) => /^file-[0-9a-f]{12}$/.test(n)), 'the name ".." became file-<id>');
          assert.equal((await readdir(tmp)).sort(), ['peer1']);
          assert.equal((await readdir(dirs[0]!)).sort(), ['.lanmesh', 'downloads', 'shared']);
          assert.not.ok(await exists('/etc/evil-lanmesh.txt'));
          for (const n of inDownloads) assert.match(await readFile(join(dirs[0]!, 'downloads', n), 'utf8'), /^evil file \d\n$/);
        } finally {
          hostile.kill('SIGKILL');
        }
      },
      { peers: 1 },
    );
  }));
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

test.run();
