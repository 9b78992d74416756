// The stack in one command: `npm run demo` (scripts/demo.mjs) brings up an index server and three peers
// in tmux panes on a namespace LAN and tears it all down; compose.yaml describes the same stack for Docker
// (no Docker engine runs here, so it is validated with `docker-compose config`, and the Dockerfile's
// sources are checked to exist).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { lanUnavailableReason } from '../support/lan.js';
import { withTimeout } from '../support/with-timeout.js';

const execFileP = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function demoSkipReason(): string | undefined {
  const lan = lanUnavailableReason();
  if (lan) return lan;
  if (spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status !== 0) return 'needs tmux';
  return undefined;
}

function netnsList(): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n').map((l) => l.trim().split(/\s+/)[0]!).filter(Boolean);
}

const demoSkip = demoSkipReason();
test(`npm run demo: index server and three peers that see each other, then nothing left${demoSkip ? ` (skipped: ${demoSkip})` : ''}`, withTimeout(90_000, async () => {
  if (demoSkip) return;
  const child = execFileP(process.execPath, [join(ROOT, 'scripts', 'demo.mjs'), '--check', '--scratch'], { cwd: ROOT });
  // The demo's LAN namespaces are named lm<its pid>x… (test/support/lan.ts); other tests run beside it.
  const ours = `lm${child.child.pid}x`;
  const { stdout } = await child;
  console.log(stdout.split('\n').filter((l) => /peers|── pane|demo:/.test(l)).join('\n'));
  assert.match(stdout, 'demo: ok');
  for (const [i, p] of ['peer1', 'peer2', 'peer3'].entries()) assert.match(stdout, `── pane ${i + 1}: ${p} ──`);
  assert.match(stdout, /ADD RFC \d+ P2P-CI\/1\.0/, 'the peers registered with the index');
  const left = netnsList().filter((n) => n.startsWith(ours));
  assert.equal(left, [], 'the demo deleted its namespaces');
  const demoProcs = spawnSync('pgrep', ['-f', 'lanmesh-demo-'], { encoding: 'utf8' }).stdout.trim();
  assert.is(demoProcs, '', 'no demo process (tmux server, peer) left running');
  for (const p of ['peer1', 'peer2', 'peer3']) {
    assert.not.ok(existsSync(join(ROOT, p, '.lanmesh', 'lock')), `--scratch leaves ${p}/ untouched`);
  }
}));

function composeSkipReason(): string | undefined {
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return undefined;
  // CI installs it (.ci/run): there a missing tool is a failure, not a skip.
  if (process.env.CI) throw new Error('docker-compose is not installed (.ci/run installs it)');
  return 'needs docker-compose (apt-get install docker-compose)';
}

const composeSkip = composeSkipReason();
test(`compose.yaml: an index server and three peers on their sample folders${composeSkip ? ` (skipped: ${composeSkip})` : ''}`, async () => {
  if (composeSkip) return;
  const { stdout } = await execFileP('docker-compose', ['-f', join(ROOT, 'compose.yaml'), 'config', '--services'], { cwd: ROOT });
  assert.equal(stdout.trim().split('\n').sort(), ['index', 'peer1', 'peer2', 'peer3']);
  const { stdout: full } = await execFileP('docker-compose', ['-f', join(ROOT, 'compose.yaml'), 'config'], { cwd: ROOT });
  for (const p of ['peer1', 'peer2', 'peer3']) assert.match(full, `- /app/${p}`, `${p} runs on its sample folder`);
  assert.match(full, /- index-server/);
  // Every COPY in the Dockerfile names something the repo has, and the entry point is the built CLI.
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const copies = [...dockerfile.matchAll(/^COPY\s+(.+)\s+\S+$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
  assert.ok(copies.length >= 5, `COPY lines: ${copies.join(' ')}`);
  for (const src of copies) assert.ok(existsSync(join(ROOT, src)), `Dockerfile copies ${src}, which the repo has`);
  assert.match(dockerfile, 'ENTRYPOINT ["node", "/app/dist/src/cli.js"]');
});

test.run();
