// Start-up failures of the real CLI: one clear line on stderr, exit code ≠ 0, nothing left bound.
// None of these cases reaches discovery, so no multicast is sent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { makeTmpDir } from '../support/tmp-dir.js';
import { freePortRange } from '../support/free-port.js';
import { withTimeout } from '../support/with-timeout.js';
import { isIsolatedNetwork } from '../support/isolation.js';
import { startPeer } from '../support/peer-process.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

function run(args: string[], cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end();
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '0.0.0.0', () => resolve(s));
  });
}

const oneLine = (s: string) => s.trim().split('\n').length === 1;

test('--help lists every flag with an example; every line fits 80 columns', withTimeout(20_000, async () => {
  const r = await run(['--help']);
  assert.is(r.code, 0);
  for (const f of ['--transfer-port', '--dir', '--name', '--no-tui', 'Examples', 'npx lanmesh -t 9001', 'Exit codes']) {
    assert.ok(r.stdout.includes(f), `help mentions ${f}`);
  }
}));

test('--help or -h after any command, and `help [command]`, print that help and start nothing', withTimeout(60_000, async () => {
  const tmp = await makeTmpDir();
  try {
    const port = String(await freePortRange(4));
    const cases: Array<[string[], RegExp]> = [
      [['--help'], /\$ lanmesh \[-t <port>\]/],
      [['-h'], /\$ lanmesh \[-t <port>\]/],
      [['-t', port, '--help'], /\$ lanmesh \[-t <port>\]/],
      [['list', '--help'], /\$ lanmesh list \[--json\]/],
      [['peers', '-h'], /\$ lanmesh peers/],
      [['where', 'notes.txt', '--help'], /\$ lanmesh where <name/],
      [['download', 'big.bin', '--help'], /\$ lanmesh download <name/],
      [['download', 'big.bin', '--out', tmp.path, '--json', '--help'], /\$ lanmesh download <name/],
      [['index-server', '--help'], /\$ lanmesh index-server/],
      [['distribute', 'big.bin', '--to', 'peer2', '--help'], /\$ lanmesh distribute <path/],
      [['help'], /\$ lanmesh \[-t <port>\]/],
      [['help', 'download'], /\$ lanmesh download <name/],
      [['secret', 'new', '--help'], /\$ lanmesh secret new/],
      [['help', 'secret'], /\$ lanmesh secret new/],
    ];
    for (const [args, usage] of cases) {
      const r = await run(args, tmp.path);
      const what = `lanmesh ${args.join(' ')}`;
      assert.is(r.code, 0, `${what}: exit 0 (${r.stderr})`);
      assert.match(r.stdout, usage, what);
      assert.not.match(r.stdout, /\* ready|index server listening/, `${what} started nothing`);
      const long = r.stdout.split('\n').filter((l) => [...l].length > 80);
      assert.equal(long, [], `${what}: lines over 80 columns`);
      assert.equal(await readdir(tmp.path), [], `${what} wrote nothing`);
    }
  } finally {
    await tmp.remove();
  }
}));

test('usage errors exit 2 with one line; -x is reported as typed; --json gets a JSON error', withTimeout(20_000, async () => {
  for (const args of [['-t', '9001', '--bogus'], ['-t', 'abc'], ['-t', '70000'], ['frobnicate'], ['help', 'nope'], ['list', 'extra']]) {
    const r = await run(args);
    assert.is(r.code, 2, `exit code for ${args.join(' ')}: ${r.code} ${r.stderr}`);
    assert.ok(oneLine(r.stderr), `one line for ${args.join(' ')}: ${JSON.stringify(r.stderr)}`);
  }
  assert.match((await run(['-x'])).stderr, /^lanmesh: unknown flag -x \(/);
  const j = await run(['list', '--json', '--frob']);
  assert.is(j.code, 2);
  assert.equal(JSON.parse(j.stdout), { error: { code: 'BAD_COMMAND', message: 'unknown flag --frob (see lanmesh --help)' } });
}));

test('a missing folder, or a file instead of a folder: one clear line, exit ≠ 0', withTimeout(20_000, async () => {
  const tmp = await makeTmpDir();
  try {
    const base = await freePortRange(4);
    const missing = await run(['-t', String(base), '--dir', join(tmp.path, 'nope')]);
    assert.is(missing.code, 1);
    assert.ok(oneLine(missing.stderr), missing.stderr);
    assert.match(missing.stderr, /nope/);
    const file = join(tmp.path, 'afile');
    await writeFile(file, 'not a folder');
    const notDir = await run(['-t', String(base), '--dir', file]);
    assert.is(notDir.code, 1);
    assert.ok(oneLine(notDir.stderr), notDir.stderr);
  } finally {
    await tmp.remove();
  }
}));

test('any of the four ports in use: one line naming it, nothing left bound', withTimeout(30_000, async () => {
  const tmp = await makeTmpDir();
  try {
    for (const offset of [0, 1, 3]) {
      const base = await freePortRange(4, '0.0.0.0');
      const blocker = await listen(base + offset);
      try {
        const r = await run(['-t', String(base), '--dir', tmp.path]);
        assert.is(r.code, 1);
        assert.ok(oneLine(r.stderr), r.stderr);
        assert.match(r.stderr, new RegExp(`port ${base + offset} .*in use`));
      } finally {
        blocker.close();
      }
      // Everything the failed start bound was released: all four ports are free again.
      const again = await Promise.all([0, 1, 2, 3].filter((i) => i !== offset).map((i) => listen(base + i)));
      again.forEach((s) => s.close());
    }
  } finally {
    await tmp.remove();
  }
}));

// This one starts a real peer (and so discovery): only inside a private namespace.
if (isIsolatedNetwork()) {
  test('a second peer on a folder in use: one line naming the running one, exit 1', withTimeout(30_000, async () => {
    const tmp = await makeTmpDir();
    const first = await startPeer({ dir: tmp.path, port: await freePortRange(4, '0.0.0.0'), name: 'first' });
    try {
      const r = await run(['-t', String(await freePortRange(4, '0.0.0.0')), '--dir', tmp.path]);
      assert.is(r.code, 1);
      assert.ok(oneLine(r.stderr), r.stderr);
      assert.match(r.stderr, new RegExp(`in use by a running lanmesh \\(pid \\d+\\)`));
      // The first peer is unharmed and still answers.
      assert.match((await first.command('peers'))[0]!, /^0 peers$/);
    } finally {
      await first.close();
      await tmp.remove();
    }
  }));

  test('without -t a peer takes 9001..9004, and the next peer the next free set of four', withTimeout(30_000, async () => {
    const tmp = await makeTmpDir();
    const peers = [];
    try {
      for (const name of ['a', 'b']) {
        const dir = join(tmp.path, name);
        await mkdir(dir);
        peers.push(await startPeer({ dir, port: undefined, name }));
      }
      const ready = await Promise.all(peers.map((p) => p.ready));
      assert.equal(ready.map((r) => r.ports), [[9001, 9002, 9003, 9004], [9005, 9006, 9007, 9008]]);
    } finally {
      for (const p of peers) await p.close();
      await tmp.remove();
    }
  }));

  test('line mode: words after a command that takes none are an error; quit leaves like exit', withTimeout(30_000, async () => {
    const tmp = await makeTmpDir();
    const peer = await startPeer({ dir: tmp.path, port: await freePortRange(4, '0.0.0.0'), name: 'words' });
    try {
      assert.equal(await peer.command('list everything'), ["error: 'list' takes no arguments (usage: list)"]);
      assert.equal(await peer.command('peers x'), ["error: 'peers' takes no arguments (usage: peers)"]);
      assert.match((await peer.command('list'))[0]!, /^0 files on the mesh$/);
      await peer.command('quit').catch(() => undefined);
      assert.is((await peer.exited).code, 0);
    } finally {
      await peer.close();
      await tmp.remove();
    }
  }));
} else {
  console.log('SKIP folder-in-use test: not in an isolated network namespace');
}

test.run();
