// Line mode: one command per input line, plain text out. Each answer ends with one empty line;
// notices that arrive by themselves are single lines starting with "* " (info) or "! " (warning).
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Peer } from '../peer.js';
import type { RemotePeer } from '../discovery/peer-table.js';
import { execute } from './commands.js';
import { describeError } from '../errors.js';

export interface LineModeIO {
  input: Readable;
  output: Writable;
}

/** Runs until `exit` or end of input; resolves after the peer has stopped (goodbye sent). */
export async function runLineMode(peer: Peer, io: LineModeIO): Promise<void> {
  const write = (lines: string[]) => io.output.write(lines.map((l) => l + '\n').join(''));
  const onUp = (p: RemotePeer) => write([`* peer up: ${p.name} ${p.address}`]);
  const onDown = (p: RemotePeer, reason: string) => write([`* peer down: ${p.name} (${reason})`]);
  const onWarning = (m: string) => write([`! ${m}`]);
  peer.on('peer:up', onUp);
  peer.on('peer:down', onDown);
  peer.on('warning', onWarning);

  const rl = createInterface({ input: io.input, terminal: false, crlfDelay: Infinity });
  try {
    // Commands run one at a time and in order, so answers never interleave.
    for await (const line of rl) {
      if (!line.trim()) continue;
      let exit = false;
      try {
        const out = await execute({ peer }, line);
        exit = out.exit === true;
        if (!exit) write([...out.lines, '']);
      } catch (err) {
        write([`error: ${describeError(err)}`, '']);
      }
      if (exit) break;
    }
  } finally {
    rl.close();
    await peer.stop();
    peer.off('peer:up', onUp);
    peer.off('peer:down', onDown);
    peer.off('warning', onWarning);
    write(['* bye']);
  }
}
