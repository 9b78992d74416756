#!/usr/bin/env node
// Entry point, a thin dispatcher: flags → config → a running peer, driven by the terminal UI (stdin and
// stdout a TTY) or line mode; `lanmesh list|peers|where|download` run one command and exit.
// Start-up errors are one line on stderr and a non-zero exit, with nothing left bound.
import meow from 'meow';
import { Peer } from './peer.js';
import { parsePeerConfig } from './config.js';
import { runLineMode } from './cli/line-mode.js';
import { isOneShotCommand, runOneShot, ONE_SHOT_FLAGS } from './cli/one-shot.js';
import { describeError } from './errors.js';

const cli = meow(
  `
  Usage
    $ lanmesh -t <port> [--dir <folder>] [--name <name>] [--no-tui]
    $ lanmesh list | peers | where <name> | download <name> [--out <dir>]  [--json] [--wait <s>]

  Starts a peer on <folder> (default: the current folder). It offers the files in
  <folder>/shared and <folder>/downloads, and finds the other peers on the LAN by itself.
  On a terminal it shows a live UI; otherwise it reads one command per line.

  The second form joins the mesh (on any free ports unless -t is given), waits for
  discovery to settle, does one thing, leaves (goodbye sent) and exits 0, or 1 with one line.

  Options
    -t, --transfer-port  Receiver port T; the peer binds T, T+1, T+2 and T+3
    --dir                The peer's folder (default: the current folder)
    --name               The name other peers see (default: the folder's name)
    --no-tui             Plain line mode even on a terminal (always on when piped)
    --json               One-shot commands: print JSON (see the README)
    --wait               One-shot commands: seconds to let discovery settle (default 1.5)
    --out                download: the folder to put the file in (default: the current folder)
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
`,
  {
    importMeta: import.meta,
    // Checked below instead, so a typo is one line on stderr (meow's own message is two).
    allowUnknownFlags: true,
    flags: {
      transferPort: { type: 'number', shortFlag: 't' },
      dir: { type: 'string' },
      name: { type: 'string' },
      tui: { type: 'boolean', default: true },
      ...ONE_SHOT_FLAGS,
      help: { type: 'boolean', shortFlag: 'h' },
      version: { type: 'boolean', shortFlag: 'v' },
    },
  },
);

const KNOWN_FLAGS = new Set(['transferPort', 'dir', 'name', 'tui', 'help', 'version', 't', 'h', 'v', ...Object.keys(ONE_SHOT_FLAGS)]);
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function fail(msg: string): never {
  process.stderr.write(`lanmesh: ${msg}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const unknown = Object.keys(cli.flags).filter((k) => !KNOWN_FLAGS.has(k));
  if (unknown.length > 0) fail(`unknown flag --${kebab(unknown[0]!)} (see lanmesh --help)`);
  const [command, ...args] = cli.input;
  if (command !== undefined) {
    if (!isOneShotCommand(command)) fail(`unknown command '${command}' (see lanmesh --help)`);
    const code = await runOneShot({ command, args, flags: cli.flags, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr });
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
    init = parsePeerConfig(cli.flags, process.cwd());
  } catch (err) {
    fail(describeError(err));
  }
  let peer: Peer;
  try {
    peer = await Peer.start(init);
  } catch (err) {
    fail(describeError(err));
  }
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
  await runLineMode(peer, { input: process.stdin, output: process.stdout });
  process.stdout.write('', () => process.exit(0));
}

void main();
