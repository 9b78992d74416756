// Downloads between real lanmesh processes on a LAN of network namespaces: several holders at once,
// SHA-256 equal, seeding what was fetched, where/share, tiny files and unusual names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lanUnavailableReason } from '../support/lan.js';
import { download, sha256File, waitHolders, withDownloadMesh, writeRandomFile } from '../support/download-mesh.js';
import { withTimeout } from '../support/with-timeout.js';

const skip = lanUnavailableReason();
const MiB = 1024 * 1024;

if (skip) {
  console.log(`SKIP download tests: ${skip}`);
} else {
  test('a 64 MiB file on two hosts comes to a third from both, identical; then it seeds it', withTimeout(120_000, async () => {
    let source = '';
    await withDownloadMesh(
      3,
      async (i, dir) => {
        if (i === 0) {
          source = join(dir, 'shared', 'big.bin');
          await writeRandomFile(source, 64 * MiB);
        } else if (i === 1) {
          await copyFile(source, join(dir, 'shared', 'big.bin'));
        }
      },
      async ({ peers, dirs }) => {
        const [p1, p2, p3] = peers as [typeof peers[0], typeof peers[0], typeof peers[0]];
        await waitHolders(p3, 'big.bin', 2);
        const done = await download(p3, 'big.bin');
        console.log(`  ${done.line}`);
        assert.is(done.path, join('downloads', 'big.bin'));
        assert.is(done.fetched, 64);
        assert.is(done.shares.size, 2, 'both holders sent a share');
        for (const [name, bytes] of done.shares) assert.ok(bytes >= 4 * MiB, `${name} sent ${bytes} bytes`);
        assert.is(await sha256File(join(dirs[2]!, 'downloads', 'big.bin')), await sha256File(source));
        assert.equal(await readdir(join(dirs[2]!, '.lanmesh', 'partial')), []);
        // Offered at once: the two others see a third holder.
        await waitHolders(p1, 'big.bin', 3, 8000);
        // p2 sees it too, as a full holder, once peer3's next catalog reached it (at most one fetch a second).
        await p2.poll('where big.bin', (l) => l.some((x) => x.includes('peer3') && x.includes('all 64 chunks')), { timeoutMs: 8000 });
      },
    );
  }));

  test('a slow holder does not hold the download back: the fast one sends most of it', withTimeout(90_000, async () => {
    let source = '';
    await withDownloadMesh(
      3,
      async (i, dir) => {
        if (i === 0) await writeRandomFile((source = join(dir, 'shared', 'big.bin')), 64 * MiB);
        else if (i === 1) await copyFile(source, join(dir, 'shared', 'big.bin'));
      },
      async ({ lan, peers, dirs }) => {
        // peer1 alone would need about 17 s (32 Mbit/s); peer2 is not shaped.
        await lan.setLinkRate(lan.hosts[0]!, 32_000_000);
        await waitHolders(peers[2]!, 'big.bin', 2);
        const t0 = Date.now();
        const done = await download(peers[2]!, 'big.bin');
        const ms = Date.now() - t0;
        console.log(`  ${done.line}`);
        assert.ok(ms < 8000, `took ${ms} ms`);
        assert.ok((done.shares.get('peer2') ?? 0) >= 0.75 * 64 * MiB, 'the fast holder sent at least 3/4');
        assert.is(await sha256File(join(dirs[2]!, 'downloads', 'big.bin')), await sha256File(source));
      },
    );
  }));

  test('0-byte and 1-byte files, names with spaces and non-ASCII letters, share and ambiguity', withTimeout(90_000, async () => {
    const names = ['empty file.txt', 'one byte.txt', 'Grüße aus Köln — été 日本.txt'];
    await withDownloadMesh(
      2,
      async (i, dir) => {
        if (i !== 0) return;
        await writeFile(join(dir, 'shared', names[0]!), '');
        await writeFile(join(dir, 'shared', names[1]!), 'x');
        await writeFile(join(dir, 'shared', names[2]!), 'ünïcödé content\n');
        await writeFile(join(dir, 'shared', 'same.txt'), 'version one');
      },
      async ({ peers, dirs, tmp }) => {
        const [p1, p2] = peers as [typeof peers[0], typeof peers[0]];
        for (const n of names) await waitHolders(p2, n, 1);
        for (const n of names) {
          const done = await download(p2, n, 20_000);
          assert.is(done.path, join('downloads', n));
          assert.is(
            await readFile(join(dirs[1]!, 'downloads', n), 'utf8'),
            await readFile(join(dirs[0]!, 'shared', n), 'utf8'),
          );
        }
        // share: a file from outside the folder, offered at once, under a free name.
        const outside = join(tmp, 'outside report.txt');
        await writeFile(outside, 'shared from elsewhere');
        const answer = await p2.command(`share ${outside}`);
        assert.match(answer[0]!, /^shared shared\/outside report\.txt \(21 B\), id [0-9a-f]{12}$/);
        await waitHolders(p1, 'outside report.txt', 1);
        // A name that stands for two different files asks for an id.
        await writeFile(join(tmp, 'same.txt'), 'version two');
        assert.match((await p2.command(`share ${join(tmp, 'same.txt')}`))[0]!, /^shared shared\/same\.txt/);
        await waitHolders(p1, 'outside report.txt', 1);
        const ambiguous = await p1.poll('download same.txt', (l) => /names 2 different files/.test(l[0] ?? ''), { timeoutMs: 10_000, intervalMs: 200 });
        assert.match(ambiguous[0]!, /^error: 'same.txt' names 2 different files; give an id instead: [0-9a-f]{12} /);
        const id = /instead: ([0-9a-f]{12}) \(11 bytes, peer2\)/.exec(ambiguous[0]!)?.[1];
        assert.ok(id, ambiguous[0]);
        const done = await download(p1, id!, 20_000);
        assert.is(done.path, join('downloads', 'same.txt'));
        assert.is(await readFile(join(dirs[0]!, 'downloads', 'same.txt'), 'utf8'), 'version two');
        assert.match((await p1.command('download nothing-like-this'))[0]!, /^error: no file 'nothing-like-this' on the mesh/);
      },
    );
  }));
}

test.run();
