// The README's line-mode script, as written there, with the other two sample peers up: its very first
// `peers` and `list` must be true answers (every peer with its file count, every file on the mesh),
// not what a peer knows a few milliseconds after it started; and a quick exit prints no warning.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLan, inNetns, lanUnavailableReason, type Lan, type LanHost } from '../support/lan.js';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { copySample, sampleNames, REPO } from '../support/samples.js';
import { withTimeout } from '../support/with-timeout.js';

const execFileP = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const skip = lanUnavailableReason();

/** The README's script line (the one piping `peers`, `list`, `exit` into a peer), verbatim. */
async function readmeScript(): Promise<string> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const line = readme.split('\n').find((l) => l.startsWith("printf 'peers\\nlist\\nexit\\n' | npx lanmesh"));
  if (!line) throw new Error('README: the line-mode script is gone');
  return line;
}

async function distinctContents(): Promise<number> {
  const hashes = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else hashes.add(createHash('sha256').update(await readFile(join(dir, e.name))).digest('hex'));
    }
  };
  for (const n of [1, 2, 3]) await walk(join(REPO, `peer${n}`, 'shared'));
  return hashes.size;
}

if (skip) {
  console.log(`SKIP README script test: ${skip}`);
} else {
  test("the README's line-mode script gets the whole mesh in its first answers, and no warning", withTimeout(90_000, async () => {
    const script = await readmeScript();
    const all = [...new Set([...(await sampleNames(1)), ...(await sampleNames(2)), ...(await sampleNames(3))])];
    // Same bytes under several names are one file: count distinct contents.
    const distinct = await distinctContents();
    const tmp = await makeTmpDir();
    let lan: Lan | undefined;
    const others: PeerProcess[] = [];
    try {
      lan = await createLan(3);
      const [h1, h2, h3] = lan.hosts as [LanHost, LanHost, LanHost];
      for (const [n, host] of [[2, h2], [3, h3]] as const) {
        const dir = await copySample(n, join(tmp.path, `peer${n}`));
        others.push(await startPeer({ host, dir, port: 9001, name: `peer${n}` }));
      }
      await copySample(1, join(tmp.path, 'peer1'));
      // As typed in the README, from the folder holding peer1/; `npx lanmesh` is the built CLI.
      const command = script.replace('npx lanmesh', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)}`);
      for (let run = 1; run <= 3; run++) {
        const argv = inNetns(h1, ['sh', '-c', command]);
        const { stdout, stderr } = await execFileP(argv[0]!, argv.slice(1), { cwd: tmp.path });
        const lines = stdout.split('\n');
        const peersAt = lines.indexOf('2 peers');
        assert.ok(peersAt > 0, `run ${run}: the first answer lists both peers:\n${stdout}`);
        assert.not.match(stdout, /files \?/, `run ${run}: every peer's file count is known`);
        assert.match(stdout, /^peer2 .* files 3 /m);
        assert.match(stdout, /^peer3 .* files 4 /m);
        assert.ok(lines.includes(`${distinct} files on the mesh`), `run ${run}: ${distinct} files:\n${stdout}`);
        for (const name of all) assert.ok(stdout.includes(name), `run ${run}: list shows ${name}`);
        assert.not.match(stdout, /^! /m, `run ${run}: no warning:\n${stdout}`);
        assert.is(stderr, '');
        assert.match(stdout, /\* bye\n$/);
      }
    } finally {
      await Promise.all(others.map((p) => p.close()));
      await lan?.close();
      await tmp.remove();
    }
  }));
}

test.run();
