// The command layer: every user command, once, for line mode and the terminal UI alike.
// A command returns the lines to show; a thrown error becomes one "error: …" line.
import type { Peer } from '../peer.js';
import type { MeshFile } from '../catalog/catalog.js';
import { formatBytes, plural, table } from './format.js';
import { formatProgress, formatStart, formatWhere } from './transfer-format.js';
import { LanmeshError } from '../errors.js';
import { helpRows, withIndexDownload, withIndexList } from './index-commands.js';

export interface CommandContext {
  peer: Peer;
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  /** Other words that run it (`quit` for `exit`). */
  aliases?: string[];
  /** Words after the command are an error unless it takes an argument (as in one-shot mode). */
  takesArgument?: boolean;
  /** `rest` is the line after the command word, trimmed (file names may contain spaces). */
  run(ctx: CommandContext, rest: string): Promise<CommandOutput> | CommandOutput;
}

export interface CommandOutput {
  lines: string[];
  /** The user asked to leave. */
  exit?: boolean;
}

const peersCommand: Command = {
  name: 'peers',
  usage: 'peers',
  summary: 'other peers on the mesh: name, address, the four ports, number of files',
  run({ peer }) {
    const peers = peer.peers();
    const rows = peers.map((p) => [
      p.name,
      p.address,
      `ports ${p.ports.receiver},${p.ports.sender},${p.ports.distributor},${p.ports.distributee}`,
      `files ${p.files ?? '?'}`,
      `id ${p.id}`,
    ]);
    return { lines: [plural(peers.length, 'peer'), ...table(rows)] };
  },
};

const listCommand: Command = {
  name: 'list',
  usage: 'list',
  summary: 'every file on the mesh with size and holders (* = this peer has it)',
  run({ peer }) {
    const files = peer.files();
    const rows = files.map((f) => [
      f.local ? '*' : ' ',
      displayName(f),
      formatBytes(f.size),
      f.holders.map((h) => h.peerName + (h.have !== undefined ? ' (partial)' : '')).join(', '),
      `id ${f.id.slice(0, 12)}`,
    ]);
    return { lines: [`${plural(files.length, 'file')} on the mesh`, ...table(rows)] };
  },
};

const downloadCommand: Command = {
  name: 'download',
  usage: 'download <name | id>',
  takesArgument: true,
  summary: 'fetch a file from every peer that holds it, verified chunk by chunk, into downloads/',
  async run({ peer }, rest) {
    return { lines: [formatStart(await peer.download(rest))] };
  },
};

const downloadsCommand: Command = {
  name: 'downloads',
  usage: 'downloads',
  summary: 'downloads in progress',
  run({ peer }) {
    const list = peer.downloads();
    return { lines: [plural(list.length, 'download') + ' in progress', ...list.map((p) => `  ${formatProgress(p)} (${p.state})`)] };
  },
};

const cancelCommand: Command = {
  name: 'cancel',
  usage: 'cancel <name | id>',
  takesArgument: true,
  summary: 'stop a download for good: its partial data is deleted and it never resumes',
  async run({ peer }, rest) {
    const c = await peer.cancelDownload(rest);
    const kept = c.bytesDone > 0 ? ` (${formatBytes(c.bytesDone)} fetched, deleted)` : '';
    return { lines: [`cancelled ${c.name}${kept}: it will not resume`] };
  },
};

const whereCommand: Command = {
  name: 'where',
  usage: 'where <name | id>',
  takesArgument: true,
  summary: 'every holder of a file and which chunks each has',
  run({ peer }, rest) {
    return { lines: formatWhere(peer.where(rest)) };
  },
};

const shareCommand: Command = {
  name: 'share',
  usage: 'share <path>',
  takesArgument: true,
  summary: 'copy a file into shared/ and offer it at once',
  async run({ peer }, rest) {
    if (!rest) throw new LanmeshError('BAD_COMMAND', 'share what? give the path of a file');
    const { file, copied } = await peer.share(rest);
    const m = file.manifest;
    const what = `${file.relPath} (${formatBytes(m.size)}), id ${m.id.slice(0, 12)}`;
    return { lines: [copied ? `shared ${what}` : `already offered: ${what}`] };
  },
};

const helpCommand: Command = {
  name: 'help',
  usage: 'help',
  summary: 'this list',
  run(ctx) {
    return { lines: table(helpRows(ctx, COMMANDS)) };
  },
};

const exitCommand: Command = {
  name: 'exit',
  usage: 'exit',
  aliases: ['quit'],
  summary: 'leave the mesh (the others are told at once)',
  run() {
    return { lines: [], exit: true };
  },
};

export const COMMANDS: Command[] = [
  withIndexList(listCommand), peersCommand, withIndexDownload(downloadCommand), downloadsCommand, cancelCommand, whereCommand, shareCommand, helpCommand, exitCommand,
];

function displayName(f: MeshFile): string {
  const [first, ...others] = f.names;
  return others.length ? `${first} (also: ${others.join(', ')})` : first!;
}

/** Runs one input line. Unknown commands and bad arguments throw a LanmeshError. */
export async function execute(ctx: CommandContext, line: string, commands = COMMANDS): Promise<CommandOutput> {
  const trimmed = line.trim();
  if (!trimmed) return { lines: [] };
  const space = trimmed.search(/\s/);
  const word = (space < 0 ? trimmed : trimmed.slice(0, space)).toLowerCase();
  const rest = space < 0 ? '' : unquote(trimmed.slice(space + 1).trim());
  const cmd = commands.find((c) => c.name === word || c.aliases?.includes(word));
  if (!cmd) throw new LanmeshError('BAD_COMMAND', `unknown command '${word}' (type help)`);
  if (rest && !cmd.takesArgument) throw new LanmeshError('BAD_COMMAND', `'${cmd.name}' takes no arguments (usage: ${cmd.usage})`);
  return cmd.run(ctx, rest);
}

function unquote(s: string): string {
  const m = /^(["'])(.*)\1$/.exec(s);
  return m ? m[2]! : s;
}
