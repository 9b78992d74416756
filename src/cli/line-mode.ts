// Line mode: one command per input line, plain text out. Each answer ends with one empty line;
// notices that arrive by themselves are single lines starting with "* " (info) or "! " (warning).
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Peer } from '../peer.js';
import { execute } from '../session/commands.js';
import { describeError } from '../errors.js';
import { printable } from '../text.js';
import { formatProgress } from '../session/text.js';
import { attachSession, type SessionLine } from '../session/events.js';
import type { DownloadEvent } from '../transfer/transfer-service.js';
import { indexedWithin, settleSince } from './settle.js';
import { yesNo, type PushQuestions } from '../session/push-questions.js';

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
  /** How long a command may take before it is answered with a "still working" line (default ANSWER_MS). */
  answerMs?: number;
  /** --quiet: answers, warnings and finished results only (no notices, no progress lines). */
  quiet?: boolean;
}

/** Longest a typed command holds the answers of the ones after it. */
export const ANSWER_MS = 500;

const commandWord = (line: string): string => line.trim().split(/\s+/, 1)[0]!;

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

/** Runs until `exit` or end of input; resolves after the peer has stopped (goodbye sent). */
export async function runLineMode(peer: Peer, io: LineModeIO, settleMs = LINE_MODE_SETTLE_MS): Promise<void> {
  const startedAt = Date.now();
  let discovered: Promise<void> | undefined;
  let indexed: Promise<boolean> | undefined;
  // A script's first `peers` or `list` must see the mesh, not a peer that has not heard anyone yet.
  const settleFor = async (word: string): Promise<void> => {
    if (!PEER_COMMANDS.has(word) && !FILE_COMMANDS.has(word)) return;
    await (discovered ??= settleSince(peer, { startedAt, waitMs: settleMs, graceMs: LINE_MODE_GRACE_MS }));
    if (!FILE_COMMANDS.has(word)) return;
    indexed ??= indexedWithin(peer, LINE_MODE_GRACE_MS).then((done) => {
      if (!done) write(['* still indexing this folder: answers show the files indexed so far']);
      return done;
    });
    await indexed;
  };
  // The one output point: whatever a line quotes from the network, it stays one printable line.
  const write = (lines: string[]) => io.output.write(lines.map((l) => printable(l) + '\n').join(''));
  // `--accept ask`: while an offer waits, a typed y or n (yes / no) answers the oldest one.
  let questions: PushQuestions | undefined;
  const session = attachSession(peer, {
    line: (l: SessionLine) => write([`${l.level === 'warning' ? '!' : '*'} ${l.text}`]),
    ...(io.quiet ? {} : { download: progressLines(write) }),
    questions: (q) => (questions = q),
  }, { quiet: io.quiet });

  const rl = createInterface({ input: io.input, terminal: false, crlfDelay: Infinity });
  const answerMs = io.answerMs ?? ANSWER_MS;
  let stopped = false;
  try {
    // Answers come one at a time and in order. A command that takes longer than answerMs (a
    // download asking holders that never answer) gets a "still working" answer then, and its
    // result comes later as notices, so it never holds up the commands typed after it.
    for await (const line of rl) {
      if (!line.trim()) continue;
      const yes = questions && questions.size > 0 ? yesNo(line) : undefined;
      if (yes !== undefined) {
        write([questions!.answer(yes)!, '']);
        continue;
      }
      // Settling is bounded and happens once, before the answer clock starts.
      await settleFor(commandWord(line).toLowerCase());
      const run = execute({ peer }, line).then(
        (out) => ({ out }),
        (err: unknown) => ({ err }),
      );
      const first = await Promise.race([run, delay(answerMs)]);
      if (first === undefined) {
        write([`${commandWord(line)}: still working; its answer follows as a notice`, '']);
        void run.then((r) => {
          // After "* bye" nothing more is printed: the peer has stopped.
          if (stopped) return;
          if ('err' in r) write([`! ${commandWord(line)}: error: ${describeError(r.err)}`]);
          else write(r.out.lines.map((l) => `* ${l}`));
        });
        continue;
      }
      if ('err' in first) {
        write([`error: ${describeError(first.err)}`, '']);
        continue;
      }
      if (first.out.exit === true) break;
      write([...first.out.lines, '']);
    }
  } finally {
    stopped = true;
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
