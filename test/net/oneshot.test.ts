// One-shot commands (`lanmesh list|peers|where|download`) as a script runs them, on a namespace LAN:
// host 1 runs a line-mode seeder, host 2 runs each one-shot command. Exit codes, JSON, files, goodbyes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLan, inNetns, lanUnavailableReason, type Lan, type LanHost } from '../support/lan.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { waitFor, withTimeout } from '../support/with-timeout.js';
import { PartialDownload } from '../../src/store/partial-download.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const PORT = 9001;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts a one-shot command inside `host`'s namespace (`ip netns exec` execs: the pid is node's). */
function startOneShot(host: LanHost, args: string[], cwd?: string): { child: ChildProcess; done: Promise<Run> } {
  const argv = inNetns(host, [process.execPath, '--enable-source-maps', CLI, ...args]);
  const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const done = new Promise<Run>((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

const oneShot = (host: LanHost, args: string[], cwd?: string): Promise<Run> => startOneShot(host, args, cwd).done;

const json = (r: Run): any => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`not one JSON document (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
};
const oneLine = (s: string) => s.trim() !== '' && s.trim().split('\n').length === 1;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Mesh {
  lan: Lan;
  seeder: PeerProcess;
  tmp: string;
  big: Buffer;
}

async function withSeeder(fn: (m: Mesh) => Promise<void>): Promise<void> {
  const tmp = await makeTmpDir();
  const lan = await createLan(2);
  let seeder: PeerProcess | undefined;
  try {
    const dir = join(tmp.path, 'seeder');
    await mkdir(join(dir, 'shared'), { recursive: true });
    const big = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(join(dir, 'shared', 'big.bin'), big);
    await writeFile(join(dir, 'shared', 'notes.txt'), 'meeting at ten\n');
    seeder = await startPeer({ host: lan.hosts[0]!, dir, port: PORT, name: 'seeder' });
    await fn({ lan, seeder, tmp: tmp.path, big });
  } finally {
    await seeder?.close();
    await lan.close();
    await tmp.remove();
  }
}

const skip = lanUnavailableReason();
if (skip) {
  console.log(`SKIP one-shot tests: ${skip}`);
} else {
  test('list, peers, where: exit 0, JSON, and a goodbye after each', withTimeout(90_000, async () => {
    await withSeeder(async ({ lan, seeder }) => {
      const [h1, h2] = lan.hosts as [LanHost, LanHost];
      const list = await oneShot(h2, ['list', '--json']);
      assert.is(list.code, 0, list.stderr);
      const files = json(list).files as any[];
      assert.equal(files.map((f) => f.name).sort(), ['big.bin', 'notes.txt']);
      const big = files.find((f) => f.name === 'big.bin');
      assert.is(big.size, 3 * 1024 * 1024 + 17);
      assert.match(big.id, /^[0-9a-f]{64}$/);
      assert.equal(big.holders.map((h: any) => [h.name, h.complete]), [['seeder', true]]);

      const peers = await oneShot(h2, ['peers', '--json', '-t', '9101']);
      assert.is(peers.code, 0, peers.stderr);
      const pj = json(peers);
      assert.equal(pj.self.ports, { receiver: 9101, sender: 9102, distributor: 9103, distributee: 9104 });
      assert.is(pj.peers.length, 1);
      assert.equal(pj.peers[0], { id: seeder.info.peerId, name: 'seeder', address: h1.address, ports: { receiver: 9001, sender: 9002, distributor: 9003, distributee: 9004 }, files: 2, static: false });

      const where = await oneShot(h2, ['where', 'notes.txt', '--json', '--wait', '0.5']);
      assert.is(where.code, 0, where.stderr);
      const wj = json(where);
      assert.equal(wj.file.name, 'notes.txt');
      assert.is(wj.file.chunks, 1);
      assert.equal(wj.holders, [{ peer: seeder.info.peerId, name: 'seeder', address: h1.address, self: false, complete: true, chunks: 1, ranges: '0-0' }]);

      const text = await oneShot(h2, ['list']);
      assert.is(text.code, 0, text.stderr);
      assert.match(text.stdout, /^2 files on the mesh\n\s+big\.bin\s+3\.0 MiB\s+seeder\s+id [0-9a-f]{12}\n\s+notes\.txt\s+15 B\s+seeder/);
      assert.is(text.stderr, '');

      // One-shot commands announce themselves as such (role=oneshot): the seeder shows no peer up/down
      // notice for them, and its peer list leaves them out.
      assert.equal(seeder.notices.filter((n) => /peer (up|down): oneshot-/.test(n)), [], seeder.notices.join('\n'));
    });
  }));

  test('download: the file lands in --out under a free name; JSON names who sent it', withTimeout(90_000, async () => {
    await withSeeder(async ({ lan, tmp, big }) => {
      const h2 = lan.hosts[1]!;
      const out = join(tmp, 'out');
      await mkdir(out);
      const first = await oneShot(h2, ['download', 'big.bin', '--out', out, '--json']);
      assert.is(first.code, 0, first.stderr);
      const j = json(first);
      assert.is(j.path, join(out, 'big.bin'));
      assert.equal(j.file.name, 'big.bin');
      assert.equal(j.holders.map((h: any) => [h.name, h.bytes]), [['seeder', big.length]]);
      assert.equal(j.chunks, { fetched: 4, kept: 0, refetched: 0, duplicates: 0 });
      assert.is(sha(await readFile(j.path)), sha(big));

      const second = await oneShot(h2, ['download', 'big.bin', '--out', out, '--json']);
      assert.is(second.code, 0, second.stderr);
      assert.is(json(second).path, join(out, 'big (1).bin'), 'never overwrites');
      assert.is(sha(await readFile(join(out, 'big (1).bin'))), sha(big));

      const plain = await oneShot(h2, ['download', 'notes.txt'], out);
      assert.is(plain.code, 0, plain.stderr);
      assert.match(plain.stdout, /^downloaded notes\.txt: 15 B in [\d.]+ s \(.+\) → notes\.txt; from seeder 15 B \(100%\)/);
      assert.is(await readFile(join(out, 'notes.txt'), 'utf8'), 'meeting at ten\n');
      assert.equal((await readdir(out)).sort(), ['big (1).bin', 'big.bin', 'notes.txt'], 'no scratch folder left behind');
    });
  }));

  test('failures: exit 3 not found, 2 usage, 1 otherwise; one line on stderr, a JSON error with --json', withTimeout(90_000, async () => {
    await withSeeder(async ({ lan, tmp }) => {
      const h2 = lan.hosts[1]!;
      const missing = await oneShot(h2, ['download', 'nothing-here.txt', '--json', '--wait', '0.2']);
      assert.is(missing.code, 3);
      assert.ok(oneLine(missing.stderr), missing.stderr);
      assert.match(missing.stderr, /no file 'nothing-here\.txt' on the mesh/);
      assert.equal(json(missing).error.code, 'NOT_FOUND');

      for (const args of [['where'], ['list', 'extra'], ['list', 'extra', 'args'], ['peers', '--out', '/tmp'], ['--json'], ['frob'], ['list', '--wait', '-1']]) {
        const r = await oneShot(h2, args);
        assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.ok(oneLine(r.stderr), `one line for ${args.join(' ')}: ${JSON.stringify(r.stderr)}`);
        // --json gets its JSON error even when the command line itself is wrong.
        if (args.includes('--json')) assert.is(json(r).error.code, 'BAD_COMMAND');
        else assert.is(r.stdout, '');
      }
      const extra = await oneShot(h2, ['list', 'extra', 'args']);
      assert.is(extra.stderr, "lanmesh list: takes no argument, got 'extra args'\n");

      // --out into a folder that does not exist: said in words, not as a raw mkdtemp error.
      const nowhere = join(tmp, 'missing');
      const noOut = await oneShot(h2, ['download', 'notes.txt', '--out', `${nowhere}/`]);
      assert.is(noOut.code, 1, noOut.stderr);
      assert.is(noOut.stderr, `lanmesh download: no such folder: ${nowhere}\n`);
    });
  }));

  test('Ctrl+C during a download: it leaves with a goodbye, keeps its verified chunks, exits 130; the same command resumes', withTimeout(90_000, async () => {
    await withSeeder(async ({ lan, tmp, seeder }) => {
      const [h1, h2] = lan.hosts as [LanHost, LanHost];
      // ~500 kB/s out of the seeder: the 3 MiB download is still running when the signal comes.
      await lan.setLinkRate(h1, 4_000_000);
      const out = join(tmp, 'out');
      await mkdir(out);
      const from = seeder.notices.length;
      const run = startOneShot(h2, ['download', 'big.bin', '--out', out, '--wait', '0.2']);
      let scratch = '';
      try {
        // The download has verified chunks once its scratch folder's partial download holds some.
        const held = await waitFor(async () => {
          for (const name of (await readdir(out)).filter((n) => n.startsWith('.lanmesh-download-'))) {
            scratch = join(out, name);
            const kept = await PartialDownload.list(scratch).catch(() => []);
            const n = kept.reduce((sum, k) => sum + k.have.count(), 0);
            if (n >= 1) return n;
          }
          return undefined;
        }, { timeoutMs: 30_000, intervalMs: 20, what: 'verified chunks in the scratch folder' });
        assert.ok(held >= 1);
        // While it downloads, the seeder serves it but does not list it among its peers.
        assert.equal((await seeder.command('peers'))[0], '0 peers');
        run.child.kill('SIGINT');
        const r = await run.done;
        assert.is(r.signal, null, 'it handled the signal itself');
        assert.is(r.code, 130, r.stderr);
        assert.match(r.stderr, /^lanmesh download: kept \d+ of \d+ chunks in .*\.lanmesh-download-[0-9a-f]{12}: run the same command again to resume\nlanmesh download: interrupted; left the mesh \(goodbye sent\)\n$/, JSON.stringify(r.stderr));
        assert.is(r.stdout, '');
        // No peer up/down about it; the seeder's own upload line ('* sent big.bin to oneshot-…', issue 14) is about its upload.
        assert.equal(seeder.notices.slice(from).filter((n) => /oneshot-/.test(n) && !/^\* sent /.test(n)), [], 'no notice about the one-shot peer');
      } finally {
        run.child.kill('SIGKILL');
      }
      // The same command again: it resumes from the kept chunks, finishes, and leaves only the file.
      await lan.setLinkRate(h1, null);
      const again = await oneShot(h2, ['download', 'big.bin', '--out', out, '--wait', '0.2']);
      assert.is(again.code, 0, again.stderr);
      const kept = Number(/(\d+) kept/.exec(again.stdout)?.[1] ?? 0);
      assert.ok(kept >= 1, `resumed with kept chunks: ${again.stdout}`);
      assert.equal(await readdir(out), ['big.bin'], 'the file, and no scratch folder left');
    });
  }));
}

test.run();
