#!/usr/bin/env node
// `npm run demo` (root, tmux): the whole stack on this machine, as compose.yaml runs it in Docker — a P2P-CI
// index server and three peers on their sample folders (peer1..3), each on its own host of a namespace LAN
// (mDNS between them, nothing leaves the machine), one tmux pane each. Leaving tmux (Ctrl-b d, or the
// session ending) tears everything down: processes, tmux server, namespaces.
//   --scratch  run the peers on copies of the sample folders (the repo's folders stay untouched)
//   --check    no terminal needed: wait until every peer sees the other two and has registered with the
//              index, print each pane, tear down, exit 0 (or 1 with the reason); used by the tests
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const PEERS = ['peer1', 'peer2', 'peer3'];
const PORT = 9001;
const CHECK_TIMEOUT_MS = 45_000;

const { values } = parseArgs({ options: { scratch: { type: 'boolean' }, check: { type: 'boolean' } } });

function fail(message) {
  console.error(`demo: ${message}`);
  process.exit(1);
}

if (process.getuid?.() !== 0) fail('needs root: it builds network namespaces (try: sudo npm run demo)');
if (spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status !== 0) fail('needs tmux (apt-get install tmux)');
if (spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status !== 0) fail("needs the 'ip' tool (iproute2)");
let lanModule;
try {
  lanModule = await import(join(ROOT, 'dist', 'test', 'support', 'lan.js'));
} catch {
  fail('build first: npm run build (npm run demo does it)');
}
if (!values.check && !(process.stdin.isTTY && process.stdout.isTTY)) {
  fail('needs a terminal to show tmux (or --check to run without one)');
}

const work = await mkdtemp(join(tmpdir(), 'lanmesh-demo-'));
const socket = join(work, 'tmux.sock');
const tmux = (...args) => spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
const lan = await lanModule.createLan(1 + PEERS.length, { subnet: '10.79.0' });
const [indexHost, ...peerHosts] = lan.hosts;

let tornDown = false;
async function teardown() {
  if (tornDown) return;
  tornDown = true;
  tmux('kill-server');
  await lan.close().catch((err) => console.error(`demo: ${err.message}`));
  await rm(work, { recursive: true, force: true });
}
// The tmux server daemonizes out of our process group: make sure it dies with us, whatever ends us.
process.once('exit', () => tmux('kill-server'));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => void teardown().then(() => process.exit(130)));
}

const shellQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
// Ink draws only its last frame when CI is set (it would show no live panel in the panes): unset it.
const inHost = (host, argv) =>
  ['ip', 'netns', 'exec', host.netns, 'env', '-u', 'CI', '-u', 'CONTINUOUS_INTEGRATION', ...argv].map(shellQuote).join(' ');
const capture = (pane) => tmux('capture-pane', '-p', '-t', pane).stdout ?? '';

async function waitFor(what, test, timeoutMs) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (test()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

try {
  const folders = [];
  for (const p of PEERS) {
    if (!values.scratch) {
      folders.push(join(ROOT, p));
      continue;
    }
    const copy = join(work, p);
    await cp(join(ROOT, p), copy, { recursive: true, filter: (src) => !src.includes('.lanmesh') });
    folders.push(copy);
  }

  const indexCmd = inHost(indexHost, [process.execPath, CLI, 'index-server', '--host', indexHost.address]);
  tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'demo', '-x', '200', '-y', '50', '-n', 'lanmesh', indexCmd);
  tmux('set-option', '-t', 'demo', 'remain-on-exit', 'on');
  tmux('set-option', '-t', 'demo', 'status-left', ' lanmesh demo: Ctrl-b d leaves and tears it all down ');
  tmux('set-option', '-t', 'demo', 'status-left-length', '60');
  await waitFor('the index server to listen', () => capture('demo:0.0').includes('listening on'), 15_000);

  for (const [i, host] of peerHosts.entries()) {
    const argv = [process.execPath, CLI, '-t', String(PORT), '--dir', folders[i], '--index', indexHost.address];
    tmux('split-window', '-t', 'demo', inHost(host, argv));
    tmux('select-layout', '-t', 'demo', 'tiled');
  }

  if (values.check) {
    const panes = PEERS.map((_, i) => `demo:0.${i + 1}`);
    await waitFor(
      'every peer to see the other two',
      () => panes.every((p) => /\b2 peers\b/.test(capture(p))),
      CHECK_TIMEOUT_MS,
    );
    await waitFor(
      'every peer to register with the index',
      () => peerHosts.every((h) => capture('demo:0.0').includes(h.address)),
      CHECK_TIMEOUT_MS,
    );
    for (const [i, name] of ['index-server', ...PEERS].entries()) {
      console.log(`── pane ${i}: ${name} ──`);
      console.log(capture(`demo:0.${i}`).trimEnd());
    }
    console.log('demo: ok — an index server and three peers that see each other');
  } else {
    console.log(`demo: index server on ${indexHost.address}:7734, peers on ${peerHosts.map((h) => h.address).join(', ')}`);
    await new Promise((resolveAttach) => {
      spawn('tmux', ['-S', socket, 'attach', '-t', 'demo'], { stdio: 'inherit' }).on('close', resolveAttach);
    });
  }
  await teardown();
} catch (err) {
  console.error(`demo: ${err.message}`);
  if (values.check) {
    for (let i = 0; i <= PEERS.length; i++) console.error(`── pane ${i} ──\n${capture(`demo:0.${i}`).trimEnd()}`);
  }
  await teardown();
  process.exit(1);
}
