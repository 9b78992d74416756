// What a command is, for both front ends: a name, its usage, and a run that returns the lines to show.
import type { Peer } from '../peer.js';

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
