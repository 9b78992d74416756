// Scoped debug loggers (NODE_DEBUG=lanmesh:*). Library code never writes to stdout itself:
// user-facing text goes through the peer's events and the CLI decides how to show it.
import { debuglog } from 'node:util';

export type Logger = (msg: string, ...args: unknown[]) => void;

export function logger(scope: string): Logger {
  return debuglog(`lanmesh:${scope}`) as Logger;
}
