// `lanmesh index-server [--port 7734] [--host ADDR] [--quiet]`: runs the P2P-CI/1.0 index until
// SIGINT/SIGTERM, printing every request and response (coloured on a terminal) unless --quiet.
import type { Writable } from 'node:stream';
import { IndexServer } from '../compat/p2pci/index-server.js';
import { formatIndexLog } from '../compat/p2pci/log-format.js';
import { describeError } from '../errors.js';

export interface IndexServerCmdInit {
  port: number;
  host: string;
  quiet: boolean;
  stdout: Writable;
  stderr: Writable;
  color: boolean;
  /** Resolves when the server should stop (the CLI passes SIGINT/SIGTERM). */
  stopSignal: Promise<unknown>;
}

/** Resolves with the exit code: 0 after a clean stop, 1 (one line on stderr) when it cannot listen. */
export async function runIndexServer(o: IndexServerCmdInit): Promise<number> {
  const say = (line: string) => o.stdout.write(`${line}\n`);
  const srv = new IndexServer({ onLog: o.quiet ? undefined : (e) => say(formatIndexLog(e, { color: o.color })) });
  let where: { port: number; host: string };
  try {
    where = await srv.start({ port: o.port, host: o.host });
  } catch (err) {
    await srv.close();
    o.stderr.write(`lanmesh index-server: ${describeError(err)}\n`);
    return 1;
  }
  if (o.quiet) say(`index server listening on ${where.host}:${where.port}`);
  await o.stopSignal;
  const peers = srv.connections;
  await srv.close();
  say(`index server stopped (${peers} peer connection${peers === 1 ? '' : 's'} closed)`);
  return 0;
}
