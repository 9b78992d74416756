// Every command both front ends offer, in help order, and execute(): one input line → its output.
import type { Command, CommandContext, CommandOutput } from './command-types.js';
import {
  cancelCommand, distributeCommand, downloadCommand, downloadsCommand, exitCommand, listCommand, peersCommand, shareCommand, whereCommand,
} from './mesh-commands.js';
import { addPeerCommand, doctorCommand, forgetPeerCommand } from './peer-commands.js';
import { helpRows, withIndexDownload, withIndexList } from './index-commands.js';
import { table } from './text.js';
import { LanmeshError } from '../errors.js';

export type { Command, CommandContext, CommandOutput } from './command-types.js';

const helpCommand: Command = {
  name: 'help',
  usage: 'help',
  summary: 'this list',
  run(ctx) {
    return { lines: table(helpRows(ctx, COMMANDS)) };
  },
};

export const COMMANDS: Command[] = [
  withIndexList(listCommand), peersCommand, withIndexDownload(downloadCommand), downloadsCommand, cancelCommand, whereCommand, shareCommand, distributeCommand,
  addPeerCommand, forgetPeerCommand, doctorCommand, helpCommand, exitCommand,
];

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
