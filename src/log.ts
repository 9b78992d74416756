// Scoped debug loggers (NODE_DEBUG=lanmesh:*, or --verbose). Library code never writes to stdout itself:
// user-facing text goes through the peer's events and the CLI decides how to show it.
import { debuglog, format } from 'node:util';

export type Logger = (msg: string, ...args: unknown[]) => void;

/**
 * Where --verbose sends every scope's lines. Node reads NODE_DEBUG once at start-up, so a flag cannot
 * turn debuglog on later: this is the one process-wide setting, made once by the entry point (cli.ts)
 * before anything starts, and never changed after.
 */
let verboseSink: ((line: string) => void) | undefined;

export function sendDebugTo(sink: (line: string) => void): void {
  verboseSink = sink;
}

export function logger(scope: string): Logger {
  const debug = debuglog(`lanmesh:${scope}`) as Logger;
  return (msg, ...args) => {
    if (verboseSink) verboseSink(`lanmesh:${scope} ${format(msg, ...args)}`);
    else debug(msg, ...args);
  };
}
