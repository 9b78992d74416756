#!/usr/bin/env node
// Entry point: flags → config → a running peer, driven by line mode (the Ink UI comes later).
// Start-up errors are one line on stderr and a non-zero exit, with nothing left bound.
import meow from 'meow';
import { Peer } from './peer.js';
import { parsePeerConfig } from './config.js';
import { runLineMode } from './cli/line-mode.js';
import { describeError } from './errors.js';

const cli = meow(
  `
  Usage
    $ lanmesh -t <port> [--dir <folder>] [--name <name>] [--no-tui]

  Starts a peer on <folder> (default: the current folder). It offers the files in
  <folder>/shared and <folder>/downloads, and finds the other peers on the LAN by itself.

  Options
    -t, --transfer-port  Receiver port T; the peer binds T, T+1, T+2 and T+3
    --dir                The peer's folder (default: the current folder)
    --name               The name other peers see (default: the folder's name)
    --no-tui             Plain line mode even on a terminal (always on when piped)
    -h, --help           Show this help
    -v, --version        Show the version

  Commands (typed once it runs)
    list, peers, help, exit

  Examples
    $ cd peer1 && npx lanmesh -t 9001
    $ npx lanmesh -t 9005 --dir peer2 --name lab-pc-2
    $ printf 'peers\\nlist\\nexit\\n' | npx lanmesh -t 9001 --dir peer1
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
      help: { type: 'boolean', shortFlag: 'h' },
      version: { type: 'boolean', shortFlag: 'v' },
    },
  },
);

const KNOWN_FLAGS = new Set(['transferPort', 'dir', 'name', 'tui', 'help', 'version', 't', 'h', 'v']);
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function fail(msg: string): never {
  process.stderr.write(`lanmesh: ${msg}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const unknown = Object.keys(cli.flags).filter((k) => !KNOWN_FLAGS.has(k));
  if (unknown.length > 0) fail(`unknown flag --${kebab(unknown[0]!)} (see lanmesh --help)`);
  if (cli.input.length > 0) fail(`unknown command '${cli.input[0]}' (see lanmesh --help)`);
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
