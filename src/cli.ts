#!/usr/bin/env node
// Entry point, a thin dispatcher: flags → config → a running peer, driven by the terminal UI (stdin and
// stdout a TTY) or line mode; `lanmesh list|peers|where|download` run one command and exit;
// `lanmesh index-server` runs the P2P-CI/1.0 index.
// Start-up errors are one line on stderr and a non-zero exit, with nothing left bound.
import meow from 'meow';
import { Peer } from './peer.js';
import { parsePeerConfig } from './config.js';
import { runLineMode } from './cli/line-mode.js';
import { interruptedExit, isOneShotCommand, runOneShot, ONE_SHOT_FLAGS } from './cli/one-shot.js';
import { INDEX_FLAGS, PEER_INDEX_FLAGS, SERVER_ONLY_FLAGS, givenFlags, parseIndexConfig, parseIndexServerConfig, splitRfcWords } from './cli/index-flags.js';
import { runIndexServer } from './cli/index-server-cmd.js';
import { formatIndexStart } from './cli/index-commands.js';
import { describeError } from './errors.js';

const HELP =   `
  Usage
    $ lanmesh -t <port> [--dir <folder>] [--name <name>] [--no-tui]
    $ lanmesh list | peers | where <name> | download <name> [--out <dir>]  [--json] [--wait <s>]
    $ lanmesh -t <port> --index <host>[:<port>] [--no-mdns] [--advertise-host <name>] [--rfc <n>…]
    $ lanmesh index-server [--port 7734] [--host <addr>] [--quiet]

  Starts a peer on <folder> (default: the current folder). It offers the files in
  <folder>/shared and <folder>/downloads, and finds the other peers on the LAN by itself.
  On a terminal it shows a live UI; otherwise it reads one command per line.

  The second form joins the mesh (on any free ports unless -t is given), waits for
  discovery to settle, does one thing, leaves (goodbye sent) and exits 0, or 1 with one line.

  P2P-CI/1.0 compatibility: with --index the peer also registers its RFC files
  (rfc<n>.txt, <n><title>.txt) with a P2P-CI index server and serves GET on T+1;
  then list shows the index and download <RFC number> fetches over P2P-CI.
  index-server runs such an index (many peers; each one's records go when it leaves).

  Options
    -t, --transfer-port  Receiver port T; the peer binds T, T+1, T+2 and T+3
    --dir                The peer's folder (default: the current folder)
    --name               The name other peers see (default: the folder's name)
    --no-tui             Plain line mode even on a terminal (always on when piped)
    --json               One-shot commands: print JSON (see the README)
    --wait               One-shot commands: seconds to let discovery settle (default 1.5)
    --out                download: the folder to put the file in (default: the current folder)
    --index              P2P-CI index server HOST[:PORT] (default port 7734) to register with
    --no-mdns            With --index: no mDNS discovery at all (index mode alone)
    --advertise-host     With --index: the Host: sent (default: our address as the index sees it)
    --rfc                With --index: offer only these RFC numbers (--rfc 791 793, or 791,793)
    --port, --host       index-server: where to listen (default 0.0.0.0:7734)
    --quiet              index-server: no request/response log
    -h, --help           Show this help
    -v, --version        Show the version

  Commands (typed once it runs)
    list, peers, download, downloads, where, share, help, exit

  Examples
    $ cd peer1 && npx lanmesh -t 9001
    $ npx lanmesh -t 9005 --dir peer2 --name lab-pc-2
    $ printf 'peers\\nlist\\nexit\\n' | npx lanmesh -t 9001 --dir peer1
    $ npx lanmesh list --json
    $ npx lanmesh download notes.txt --out /tmp
    $ npx lanmesh index-server
    $ npx lanmesh -t 9001 --dir peer1 --index 127.0.0.1 --no-mdns
`;

const MEOW_OPTIONS = {
    importMeta: import.meta,
    // Checked below instead, so a typo is one line on stderr (meow's own message is two).
    allowUnknownFlags: true,
    flags: {
      transferPort: { type: 'number', shortFlag: 't' },
      dir: { type: 'string' },
      name: { type: 'string' },
      tui: { type: 'boolean', default: true },
      ...ONE_SHOT_FLAGS,
      ...INDEX_FLAGS,
      help: { type: 'boolean', shortFlag: 'h' },
      version: { type: 'boolean', shortFlag: 'v' },
    },
} as const;

// meow throws on some malformed input (a number flag given twice): still one line, exit 1.
const cli = (() => {
  try {
    return meow(HELP, MEOW_OPTIONS);
  } catch (err) {
    process.stderr.write(`lanmesh: ${describeError(err)} (see lanmesh --help)\n`);
    process.exit(1);
  }
})();

const KNOWN_FLAGS = new Set([
  'transferPort', 'dir', 'name', 'tui', 'help', 'version', 't', 'h', 'v', ...Object.keys(ONE_SHOT_FLAGS), ...Object.keys(INDEX_FLAGS),
]);
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function fail(msg: string): never {
  process.stderr.write(`lanmesh: ${msg}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  // meow answers --help/--version by itself only when no command word was given.
  if (cli.flags.help) cli.showHelp(0);
  if (cli.flags.version) cli.showVersion();
  const unknown = Object.keys(cli.flags).filter((k) => !KNOWN_FLAGS.has(k));
  if (unknown.length > 0) fail(`unknown flag --${kebab(unknown[0]!)} (see lanmesh --help)`);
  const { words, extraRfcs } = splitRfcWords(cli.input, cli.flags);
  const [command, ...args] = words;
  if (command === 'index-server') {
    await indexServer(args);
    return;
  }
  if (command !== undefined) {
    const indexFlag = givenFlags(cli.flags, [...PEER_INDEX_FLAGS, ...SERVER_ONLY_FLAGS])[0];
    if (indexFlag) fail(`--${indexFlag} does not go with a one-shot command`);
    if (!isOneShotCommand(command)) fail(`unknown command '${command}' (see lanmesh --help)`);
    const code = await withInterrupt((signal) =>
      runOneShot({ command, args, flags: cli.flags, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, signal }),
    );
    process.stdout.write('', () => process.exit(code));
    return;
  }
  // meow sets unset booleans to false, so only a true or a given value counts as used.
  const stray = Object.keys(ONE_SHOT_FLAGS).find((k) => {
    const v = cli.flags[k as keyof typeof ONE_SHOT_FLAGS];
    return v !== undefined && v !== false;
  });
  if (stray) fail(`--${stray} goes with a one-shot command: lanmesh list|peers|where|download … --${stray}`);
  let init;
  try {
    const { index, mdns } = parseIndexConfig(cli.flags, extraRfcs);
    init = { ...parsePeerConfig(cli.flags, process.cwd()), index, mdns };
  } catch (err) {
    fail(describeError(err));
  }
  // A signal during start-up still leaves cleanly once the peer is up (goodbye sent).
  let interrupted = false;
  const early = () => (interrupted = true);
  process.once('SIGINT', early);
  process.once('SIGTERM', early);
  let peer: Peer;
  try {
    peer = await Peer.start(init);
  } catch (err) {
    fail(describeError(err));
  }
  process.off('SIGINT', early);
  process.off('SIGTERM', early);
  if (interrupted) {
    await peer.stop();
    process.exit(0);
  }
  // A closed output pipe (lanmesh … | head -1) ends the session like exit, not with a crash.
  process.stdout.on('error', () => void peer.stop().then(() => process.exit(0)));
  if (cli.flags.tui && process.stdin.isTTY && process.stdout.isTTY) {
    try {
      // Loaded only here: line mode and one-shot runs never pay for React and Ink.
      const { runTui } = await import('./ui/run-tui.js');
      await runTui(peer);
    } catch (err) {
      await peer.stop();
      fail(describeError(err));
    }
    // The UI's last frame already says bye.
    process.stdout.write('', () => process.exit(0));
    return;
  }
  const stop = () => {
    void peer.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const p = peer.ports;
  process.stdout.write(`* ready ${peer.name} ${peer.id} ports ${p.receiver},${p.sender},${p.distributor},${p.distributee}\n`);
  const idx = peer.p2pci?.status();
  if (idx) process.stdout.write(`${formatIndexStart(idx, peer.discovering)}\n`);
  await runLineMode(peer, { input: process.stdin, output: process.stdout });
  process.stdout.write('', () => process.exit(0));
}

/**
 * Runs a one-shot command with an AbortSignal that the first SIGINT/SIGTERM aborts (reason: the
 * signal's name), so it leaves the mesh and cleans up; a second signal while it does exits at once.
 */
async function withInterrupt(run: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!ac.signal.aborted) ac.abort(sig);
    else process.exit(interruptedExit(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `lanmesh index-server`: runs until SIGINT/SIGTERM; exit 1 with one line when it cannot listen. */
async function indexServer(args: string[]): Promise<void> {
  if (args.length > 0) fail(`index-server takes no argument, got '${args[0]}'`);
  const peerFlags = (['transferPort', 'dir', 'name', ...Object.keys(ONE_SHOT_FLAGS)] as const)
    .filter((k) => {
      const v = cli.flags[k as keyof typeof cli.flags];
      return v !== undefined && v !== false;
    })
    .map(kebab);
  if (cli.flags.tui === false) peerFlags.push('no-tui');
  let opts;
  try {
    opts = parseIndexServerConfig(cli.flags, peerFlags);
  } catch (err) {
    fail(describeError(err));
  }
  const stopSignal = new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const code = await runIndexServer({
    ...opts, stdout: process.stdout, stderr: process.stderr, color: process.stdout.isTTY === true, stopSignal,
  });
  process.stdout.write('', () => process.exit(code));
}

void main();
