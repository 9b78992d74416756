#!/usr/bin/env node
// Entry point, a thin dispatcher: flags → config → a running peer, driven by the terminal UI (stdin and
// stdout a TTY) or line mode; `lanmesh list|peers|where|download` run one command and exit;
// `lanmesh index-server` runs the P2P-CI/1.0 index.
// Start-up errors are one line on stderr and a non-zero exit, with nothing left bound.
import './no-color.js';
import meow from 'meow';
import { Peer } from './peer.js';
import { parsePeerConfig } from './config.js';
import { runLineMode } from './cli/line-mode.js';
import { interruptedExit, isOneShotCommand, runOneShot, ONE_SHOT_FLAGS } from './cli/one-shot.js';
import { INDEX_FLAGS, PEER_INDEX_FLAGS, SERVER_ONLY_FLAGS, givenFlags, parseIndexConfig, parseIndexServerConfig, splitRfcWords } from './cli/index-flags.js';
import { runIndexServer } from './cli/index-server-cmd.js';
import { runDoctorCommand } from './cli/doctor-cmd.js';
import { formatIndexStart } from './session/index-commands.js';
import { describeError } from './errors.js';
import { helpText, helpTopics } from './cli/help.js';
import { EXIT, exitCodeFor } from './cli/exit-codes.js';
import { defaultBasePort } from './cli/default-port.js';
import { newSecretPhrase } from './peer/secret.js';
import { OUTPUT_FLAGS, outputLevel, type OutputLevel } from './cli/output-flags.js';
import { sendDebugTo } from './log.js';

const MEOW_OPTIONS = {
    importMeta: import.meta,
    // --help and --version anywhere on the line are handled below (meow's own only sees them alone).
    autoHelp: false,
    autoVersion: false,
    // Checked below instead, so a typo is one line on stderr (meow's own message is two).
    allowUnknownFlags: true,
    flags: {
      transferPort: { type: 'number', shortFlag: 't' },
      dir: { type: 'string' },
      name: { type: 'string' },
      peer: { type: 'string', isMultiple: true },
      tui: { type: 'boolean', default: true },
      accept: { type: 'string' },
      secret: { type: 'string' },
      askTimeout: { type: 'number' },
      ...ONE_SHOT_FLAGS,
      ...INDEX_FLAGS,
      ...OUTPUT_FLAGS,
      help: { type: 'boolean', shortFlag: 'h' },
      version: { type: 'boolean', shortFlag: 'v' },
    },
} as const;

// meow throws on some malformed input (a number flag given twice): still one line, exit 1.
const cli = (() => {
  try {
    return meow(helpText()!, MEOW_OPTIONS);
  } catch (err) {
    usageError(`${describeError(err)} (see lanmesh --help)`);
  }
})();

const KNOWN_FLAGS = new Set([
  'transferPort', 'dir', 'name', 'peer', 'tui', 'accept', 'secret', 'askTimeout', 'help', 'version', 't', 'h', 'v', ...Object.keys(ONE_SHOT_FLAGS), ...Object.keys(INDEX_FLAGS), 'quiet', 'verbose', 'q',
]);
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function fail(msg: string, code: number = EXIT.failed): never {
  process.stderr.write(`lanmesh: ${msg}\n`);
  process.exit(code);
}

/** A mistake on the command line: one line (JSON too with --json), exit 2. */
function usageError(msg: string): never {
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify({ error: { code: 'BAD_COMMAND', message: msg } })}\n`);
  fail(msg, EXIT.usage);
}

/** How the user wrote an unknown flag: `-x` stays `-x`, `--frob` or `--frobNicate` is `--frob-nicate`. */
function asTyped(key: string): string {
  const short = `-${key}`;
  if (key.length === 1 || process.argv.slice(2).some((a) => a === short || a.startsWith(`${short}=`))) return short;
  return `--${kebab(key)}`;
}

/** `lanmesh help [topic]` and `--help`/`-h` anywhere: print that help, start nothing, exit 0. */
function showHelp(topic: string | undefined): never {
  const text = helpText(topic);
  if (text === undefined) usageError(`no help for '${topic}': commands are ${helpTopics().join(', ')} (see lanmesh --help)`);
  process.stdout.write(`\n  lanmesh ${cli.pkg.version ?? ''} — serverless peer-to-peer file sharing for one LAN\n${text}`);
  process.exit(EXIT.ok);
}

async function main(): Promise<void> {
  if (cli.flags.help) showHelp(cli.input[0] === 'help' ? cli.input[1] : cli.input[0]);
  if (cli.input[0] === 'help') showHelp(cli.input[1]);
  if (cli.flags.version) {
    process.stdout.write(`${cli.pkg.version ?? 'unknown'}\n`);
    process.exit(EXIT.ok);
  }
  const unknown = Object.keys(cli.flags).filter((k) => !KNOWN_FLAGS.has(k));
  if (unknown.length > 0) usageError(`unknown flag ${asTyped(unknown[0]!)} (see lanmesh --help)`);
  let level: OutputLevel = 'normal';
  try {
    level = outputLevel(cli.flags);
  } catch (err) {
    usageError(describeError(err));
  }
  // Debug lines go to stderr, so stdout stays the answers a script reads.
  if (level === 'verbose') sendDebugTo((line) => process.stderr.write(`${line}\n`));
  const { words, extraRfcs } = splitRfcWords(cli.input, cli.flags);
  const [command, ...args] = words;
  if (command === 'index-server') {
    await indexServer(args);
    return;
  }
  if (command === 'secret') {
    if (args[0] !== 'new' || args.length > 1) usageError(`lanmesh secret takes 'new' (prints a fresh mesh secret), got '${args.join(' ')}'`);
    process.stdout.write(`${newSecretPhrase()}\n`);
    process.exit(EXIT.ok);
  }
  if (command === 'doctor') {
    const code = await runDoctorCommand({ flags: cli.flags, args, cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr });
    process.stdout.write('', () => process.exit(code));
    return;
  }
  if (command !== undefined) {
    const indexFlag = givenFlags(cli.flags, [...PEER_INDEX_FLAGS, ...SERVER_ONLY_FLAGS])[0];
    if (indexFlag) usageError(`--${indexFlag} does not go with a one-shot command`);
    if (!isOneShotCommand(command)) usageError(`unknown command '${command}' (see lanmesh --help)`);
    const code = await withInterrupt((signal) =>
      runOneShot({ command, args, flags: cli.flags, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, signal, env: process.env }),
    );
    process.stdout.write('', () => process.exit(code));
    return;
  }
  // meow sets unset booleans to false, so only a true or a given value counts as used.
  const stray = Object.keys(ONE_SHOT_FLAGS).find((k) => {
    const v = cli.flags[k as keyof typeof ONE_SHOT_FLAGS];
    return v !== undefined && v !== false;
  });
  if (stray) usageError(`--${stray} goes with a one-shot command: lanmesh list|peers|where|download … --${stray}`);
  let init;
  try {
    const { index, mdns } = parseIndexConfig(cli.flags, extraRfcs);
    const transferPort = cli.flags.transferPort ?? (await defaultBasePort());
    init = { ...parsePeerConfig({ ...cli.flags, transferPort }, process.cwd(), process.env), index, mdns };
  } catch (err) {
    fail(describeError(err), exitCodeFor(err));
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
      await runTui(peer, { quiet: level === 'quiet' });
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
  await runLineMode(peer, { input: process.stdin, output: process.stdout, quiet: level === 'quiet' });
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
  if (args.length > 0) usageError(`index-server takes no argument, got '${args[0]}'`);
  const peerFlags = (['transferPort', 'dir', 'name', 'secret', ...Object.keys(ONE_SHOT_FLAGS)] as const)
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
    fail(describeError(err), exitCodeFor(err));
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
