// Line mode: one command per input line, plain text out. Each answer ends with one empty line;
// notices that arrive by themselves are single lines starting with "* " (info) or "! " (warning).
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Peer } from '../peer.js';
import { execute } from '../session/commands.js';
import { describeError } from '../errors.js';
import { formatProgress } from '../session/text.js';
import { attachSession, type SessionLine } from '../session/events.js';
import type { DownloadEvent } from '../transfer/transfer-service.js';

export interface LineModeIO {
  input: Readable;
  output: Writable;
}

/** Runs until `exit` or end of input; resolves after the peer has stopped (goodbye sent). */
export async function runLineMode(peer: Peer, io: LineModeIO): Promise<void> {
  const write = (lines: string[]) => io.output.write(lines.map((l) => l + '\n').join(''));
  const session = attachSession(peer, {
    line: (l: SessionLine) => write([`${l.level === 'warning' ? '!' : '*'} ${l.text}`]),
    download: progressLines(write),
  });

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
    session.close();
    write(['* bye']);
  }
}

/** A progress line per running download at most once a second (the UI draws bars instead). */
function progressLines(write: (lines: string[]) => void): (u: DownloadEvent) => void {
  const lastProgress = new Map<string, number>();
  return (u) => {
    if (u.type === 'done') lastProgress.delete(u.summary.id);
    if (u.type === 'failed') lastProgress.delete(u.failure.id);
    if (u.type !== 'progress') return;
    const now = Date.now();
    if (now - (lastProgress.get(u.progress.id) ?? 0) < 1000) return;
    lastProgress.set(u.progress.id, now);
    write([`* ${formatProgress(u.progress)}`]);
  };
}
