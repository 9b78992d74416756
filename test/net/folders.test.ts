// Folders between real processes on a namespace LAN (issue 12): a tree of many small files and a few
// big ones in nested folders, held by two peers, downloaded by a third: byte-identical, from both.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cp, copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { lanUnavailableReason } from '../support/lan.js';
import { startHostile, withDownloadMesh, writeRandomFile } from '../support/download-mesh.js';
import { treeDigest, writeTree } from '../support/folder-tree.js';
import { withTimeout } from '../support/with-timeout.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { inNetns } from '../support/lan.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

const skip = lanUnavailableReason();
const MiB = 1024 * 1024;
const FOLDER_DONE_RE = /^\* downloaded (.+?)\/: (\d+) files?, .+ → (.+?)\/; from (.*); (\d+) files fetched, (\d+) kept, (\d+) chunks refetched, (\d+) copied locally \((.+) saved\)$/;

function parseFolderDone(line: string): { files: number; from: string; fetched: number; kept: number; refetched: number; copied: number; saved: string } {
  const m = FOLDER_DONE_RE.exec(line);
  if (!m) throw new Error(`not a folder summary: ${line}`);
  return { files: Number(m[2]), from: m[4]!, fetched: Number(m[5]), kept: Number(m[6]), refetched: Number(m[7]), copied: Number(m[8]), saved: m[9]! };
}

if (skip) {
  console.log(`SKIP folder tests: ${skip}`);
} else {
  test('a tree of 2,000 small files and 3 big ones on two holders: the third peer gets it byte for byte, from both', withTimeout(180_000, async () => {
    await withDownloadMesh(
      3,
      async (i, dir) => {
        if (i === 0) await writeTree(join(dir, 'shared', 'proj ü'), { small: 2000, smallMax: 16 * 1024, big: [3 * MiB, 5 * MiB + 17, 2 * MiB + 5] });
        if (i === 1) await cp(join(dir, '..', 'peer1', 'shared', 'proj ü'), join(dir, 'shared', 'proj ü'), { recursive: true });
      },
      async ({ peers, dirs }) => {
        const [, , p3] = peers as [typeof peers[0], typeof peers[0], typeof peers[0]];
        const list = await p3.poll('list', (l) => l.some((x) => /proj ü\/ +2003 files, .* peer1, peer2|proj ü\/ +2003 files, .* peer2, peer1/.test(x)), { timeoutMs: 60_000, intervalMs: 500 });
        console.log(list.filter((l) => /on the mesh$|\/ +\d+ files,/.test(l)).map((l) => `  ${l}`).join('\n'));
        const from = p3.notices.length;
        const answer = await p3.command('download proj ü/');
        assert.match(answer[0]!, /^downloading proj ü\/ \(2003 files, .*\) from 2 holders$/, answer.join('\n'));
        const done = await p3.waitForNotice(/^\* downloaded proj ü\//, 120_000, { from });
        console.log(`  ${done}`);
        const d = parseFolderDone(done);
        assert.is(d.files, 2003);
        assert.is(d.fetched, 2003);
        assert.match(d.from, /peer1 .*peer2|peer2 .*peer1/, 'both holders sent a share');
        assert.equal(await treeDigest(join(dirs[2]!, 'downloads', 'proj ü')), await treeDigest(join(dirs[0]!, 'shared', 'proj ü')));
        // The finished folder is offered at once: the mesh sees a third holder.
        await peers[0]!.poll('where proj ü/', (l) => l[1] === '3 holders', { timeoutMs: 15_000, intervalMs: 300 });
      },
    );
  }));

  test('a folder download killed midway resumes after a restart: verified files and chunks are kept, not fetched again', withTimeout(180_000, async () => {
    await withDownloadMesh(
      2,
      async (i, dir) => {
        if (i === 0) await writeTree(join(dir, 'shared', 'proj'), { small: 600, smallMax: 16 * 1024, big: [6 * MiB, 6 * MiB + 3] });
      },
      async ({ lan, peers, dirs, restart }) => {
        await lan.setLinkRate(lan.hosts[0]!, 24_000_000);
        const p2 = peers[1]!;
        await p2.poll('list', (l) => l.some((x) => /proj\/ +602 files/.test(x)), { timeoutMs: 30_000, intervalMs: 300 });
        assert.match((await p2.command('download proj/'))[0]!, /^downloading proj\/ \(602 files/);
        const mid = await p2.poll('downloads', (l) => l.some((x) => Number(/: (\d+)\/602 files/.exec(x)?.[1] ?? 0) >= 150), { timeoutMs: 30_000, intervalMs: 100 });
        console.log(`  killed at ${mid.find((x) => /files/.test(x))!.trim()}`);
        await p2.close();
        assert.is((await readdir(join(dirs[1]!, 'downloads'))).length, 0, 'a half-done folder is not in downloads/');
        const again = await restart(1);
        const resumed = await again.waitForNotice(/^\* resuming proj\//, 20_000);
        console.log(`  ${resumed}`);
        const kept = Number(/; (\d+) already fetched/.exec(resumed)?.[1] ?? 0);
        assert.ok(kept >= 150, resumed);
        const d = parseFolderDone(await again.waitForNotice(/^\* downloaded proj\//, 120_000));
        console.log(`  fetched ${d.fetched}, kept ${d.kept}, refetched chunks ${d.refetched}`);
        assert.is(d.kept, kept);
        assert.is(d.fetched + d.kept, 602, 'each file fetched once over both runs');
        assert.is(d.refetched, 0, 'no verified chunk of a big file came again');
        assert.equal(await treeDigest(join(dirs[1]!, 'downloads', 'proj')), await treeDigest(join(dirs[0]!, 'shared', 'proj')));
      },
    );
  }));

  test('files the downloader already holds (anywhere, by content) are copied locally, not fetched', withTimeout(120_000, async () => {
    await withDownloadMesh(
      2,
      async (i, dir) => {
        if (i !== 0) return;
        const root = join(dir, 'shared', 'kit');
        const paths = await writeTree(root, { small: 40, smallMax: 8 * 1024, big: [3 * MiB] });
        // The same bytes twice inside the folder: fetched once, copied for the other path.
        await copyFile(join(root, paths[0]!), join(root, 'src', 'same as file 0.txt'));
        // peer2 already has one small and the big file, under other names, elsewhere.
        const other = join(dir, '..', 'peer2', 'shared', 'mine');
        await cp(join(root, paths[1]!), join(other, 'old copy.txt'), { recursive: true });
        await cp(join(root, paths[40]!), join(other, 'big one.bin'));
      },
      async ({ peers, dirs }) => {
        const p2 = peers[1]!;
        await p2.poll('list', (l) => l.some((x) => /kit\/ +42 files/.test(x)), { timeoutMs: 30_000, intervalMs: 300 });
        const start = await p2.command('download kit');
        console.log(`  ${start[0]}`);
        assert.match(start[0]!, /2 copied from this peer's files \(3\.0 MiB not fetched\)/);
        const d = parseFolderDone(await p2.waitForNotice(/^\* downloaded kit\//, 60_000));
        console.log(`  fetched ${d.fetched}, copied ${d.copied}, saved ${d.saved}`);
        assert.is(d.copied, 3);
        assert.is(d.fetched, 39);
        assert.match(d.saved, /^3\.0 MiB$/);
        assert.equal(await treeDigest(join(dirs[1]!, 'downloads', 'kit')), await treeDigest(join(dirs[0]!, 'shared', 'kit')));
      },
    );
  }));

  test('share <folder> from outside offers it at once; the one-shot `download <folder>/ --out DIR --json` puts it in DIR', withTimeout(120_000, async () => {
    await withDownloadMesh(
      2,
      async (i, dir) => {
        if (i === 0) await writeTree(join(dir, '..', 'outside', 'kit ü'), { small: 30, smallMax: 4096, big: [2 * MiB] });
      },
      async ({ lan, peers, dirs, tmp }) => {
        const p1 = peers[0]!;
        const from = p1.notices.length;
        const shared = (await p1.command(`share ${join(tmp, 'outside', 'kit ü')}`))[0]!;
        // Line mode answers a command that takes long (hashing under load) later, as a notice.
        const answer = /still working/.test(shared) ? (await p1.waitForNotice(/shared shared\/kit ü\//, 30_000, { from })).replace(/^\* /, '') : shared;
        assert.is(answer, 'shared shared/kit ü/ (31 files, 2.1 MiB)');
        assert.equal(await treeDigest(join(dirs[0]!, 'shared', 'kit ü')), await treeDigest(join(tmp, 'outside', 'kit ü')));
        const out = join(tmp, 'out');
        await mkdir(join(out, 'kit ü'), { recursive: true });
        const argv = inNetns(lan.hosts[1]!, [process.execPath, CLI, 'download', 'kit ü/', '--out', out, '--json', '--wait', '0.5']);
        const r = await promisify(execFile)(argv[0]!, argv.slice(1), { timeout: 60_000 });
        const json = JSON.parse(r.stdout) as { file: { name: string }; path: string; folder: { files: number; fetchedFiles: number } };
        console.log(`  ${r.stdout.trim().slice(0, 200)}…`);
        assert.is(json.file.name, 'kit ü/');
        assert.is(json.path, join(out, 'kit ü (1)'), 'the taken name is left alone');
        assert.equal(json.folder.files, 31);
        assert.equal(await treeDigest(join(out, 'kit ü (1)')), await treeDigest(join(tmp, 'outside', 'kit ü')));
        assert.equal((await readdir(out)).sort(), ['kit ü', 'kit ü (1)'], 'no scratch folder left');
      },
      { peers: 1 },
    );
  }));

  test('on a private mesh (--secret) a folder comes over TLS like a file', withTimeout(90_000, async () => {
    await withDownloadMesh(
      2,
      async (i, dir) => {
        if (i === 0) await writeTree(join(dir, 'shared', 'priv'), { small: 100, smallMax: 8192, big: [2 * MiB] });
      },
      async ({ peers, dirs }) => {
        const p2 = peers[1]!;
        await p2.poll('list', (l) => l.some((x) => /priv\/ +101 files/.test(x)), { timeoutMs: 30_000, intervalMs: 300 });
        const from = p2.notices.length;
        await p2.command('download priv/');
        const d = parseFolderDone(await p2.waitForNotice(/^\* downloaded priv\//, 60_000, { from }));
        assert.is(d.fetched, 101);
        assert.equal(await treeDigest(join(dirs[1]!, 'downloads', 'priv')), await treeDigest(join(dirs[0]!, 'shared', 'priv')));
      },
      { args: () => ['--secret', 'folders over tls, a long enough secret'] },
    );
  }));

  test('a catalog with hostile paths (../x, a/../../b, /etc/x, a//b, 300 deep) is refused: nothing written outside downloads/', withTimeout(90_000, async () => {
    await withDownloadMesh(
      3,
      async (i, dir) => {
        if (i !== 0) return;
        await mkdir(join(dir, 'shared', 'good'), { recursive: true });
        await writeRandomFile(join(dir, 'shared', 'good', 'ok.bin'), 1000);
      },
      async ({ lan, peers, dirs, tmp }) => {
        const hostile = await startHostile(lan.hosts[2]!, ['evilpaths', '9101']);
        try {
          const p2 = peers[1]!;
          const refused = await p2.waitForNotice(/^! .*hostile-evilpaths.*path/, 20_000);
          console.log(`  ${refused}`);
          const list = await p2.poll('list', (l) => l.some((x) => /good\//.test(x)), { timeoutMs: 20_000, intervalMs: 300 });
          assert.not.ok(list.some((x) => /evil|deep|\.\.|etc/.test(x)), list.join('\n'));
          assert.match((await p2.command('download evil/'))[0]!, /^error: no folder 'evil\/'/);
          const d = parseFolderDone(await (async () => {
            const from = p2.notices.length;
            await p2.command('download good/');
            return p2.waitForNotice(/^\* downloaded good\//, 20_000, { from });
          })());
          assert.is(d.fetched, 1);
          for (const p of ['/etc/x', '/etc/evil-lanmesh.txt', join(tmp, 'x'), join(tmp, 'b'), join(dirs[1]!, 'x'), join(dirs[1]!, 'b')]) {
            assert.is(await stat(p).catch(() => undefined), undefined, `${p} must not exist`);
          }
          assert.equal((await readdir(join(dirs[1]!, 'downloads'))).sort(), ['good']);
        } finally {
          hostile.kill('SIGKILL');
        }
      },
      { peers: 2 },
    );
  }));
}

test.run();
