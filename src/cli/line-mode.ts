// Line mode: one command per input line, plain text out. Each answer ends with one empty line;
// notices that arrive by themselves are single lines starting with "* " (info) or "! " (warning).
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Peer } from '../peer.js';
import { execute } from './commands.js';
import { describeError } from '../errors.js';
import { formatProgress } from './transfer-format.js';
import { attachSession, type DownloadUpdate, type SessionLine } from './session-events.js';
import { settleSince } from './settle.js';

/** Discovery time before the first answer that depends on the mesh (one-shot commands wait as long). */
export const LINE_MODE_SETTLE_MS = 1500;
/** At most this long more for the catalogs of peers found, and for the folder's first index. */
const LINE_MODE_GRACE_MS = 2000;
/** Commands whose answer depends on the peers found; the FILE_COMMANDS also on this peer's own files. */
const PEER_COMMANDS = new Set(['peers']);
const FILE_COMMANDS = new Set(['list', 'where', 'download']);

export interface LineModeIO {
  input: Readable;
  output: Writable;
}

/** Runs until `exit` or end of input; resolves after the peer has stopped (goodbye sent). */
export async function runLineMode(peer: Peer, io: LineModeIO, settleMs = LINE_MODE_SETTLE_MS): Promise<void> {
  const startedAt = Date.now();
  let discovered: Promise<boolean> | undefined;
  let indexed: Promise<boolean> | undefined;
  // A script's first `peers` or `list` must see the mesh, not a peer that has not heard anyone yet.
  const settleFor = async (word: string): Promise<void> => {
    const o = { startedAt, waitMs: settleMs, graceMs: LINE_MODE_GRACE_MS };
    if (PEER_COMMANDS.has(word)) await (discovered ??= settleSince(peer, { ...o, index: false }));
    if (!FILE_COMMANDS.has(word)) return;
    indexed ??= settleSince(peer, { ...o, index: true }).then((done) => {
      if (!done) write(['* still indexing this folder: answers show the files indexed so far']);
      return done;
    });
    await indexed;
  };
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
        await settleFor(line.trim().split(/\s/)[0]!.toLowerCase());
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
function progressLines(write: (lines: string[]) => void): (u: DownloadUpdate) => void {
  const lastProgress = new Map<string, number>();
  return (u) => {
    if (u.type === 'end') lastProgress.delete(u.id);
    if (u.type !== 'progress' || u.via !== 'tick') return;
    const now = Date.now();
    if (now - (lastProgress.get(u.progress.id) ?? 0) < 1000) return;
    lastProgress.set(u.progress.id, now);
    write([`* ${formatProgress(u.progress)}`]);
  };
}
