// The terminal UI: everything printed (answers, notices, errors, finished downloads) goes once into
// <Static> and scrolls like a terminal; below it a small live panel (header, peers, progress bars,
// prompt) is redrawn, kept shorter than the screen so Ink never repaints the whole screen.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Box, Static, useApp, useInput } from 'ink';
import { usePeerState, type Notice, type PeerFacade } from './use-peer-state.js';
import { useTerminalSize } from './use-terminal-size.js';
import { usePrompt } from './use-prompt.js';
import { useOutputReplay } from './use-output-replay.js';
import { complete } from './complete.js';
import { Header, headerRows } from './Header.js';
import { PeerList } from './PeerList.js';
import { Transfers, transfersRows } from './Transfers.js';
import { Pushes, pushesRows } from './Pushes.js';
import { Uploads } from './Uploads.js';
import { Prompt } from './Prompt.js';
import { OutputLine, type OutputEntry, type OutputKind } from './OutputLine.js';
import { describeError } from '../errors.js';
import { formatBytes } from '../session/text.js';
import { bar } from './format-transfer.js';
import { keyAnswer } from '../session/push-questions.js';

export interface AppProps {
  facade: PeerFacade;
  /** Aborted from outside (SIGINT, SIGTERM): leave exactly as `exit` does. */
  leaveSignal?: AbortSignal;
  throttleMs?: number;
}

const WELCOME = 'lanmesh: type help for the commands · Tab completes · ↑/↓ history · Ctrl+C leaves';
const PROMPT_ROWS = 2;
/** Typed alone, these clear the screen (the TUI's own command, like Ctrl+L). */
const CLEAR_WORDS = new Set(['clear', 'cls']);
const FINISHED_BAR = 20;

const noticeKind = (n: Notice): OutputKind => (n.level === 'warning' ? 'warning' : n.level === 'success' ? 'success' : 'info');
const noticeText = (n: Notice): string => `${n.level === 'warning' ? '!' : n.level === 'success' ? '✓' : '*'} ${n.text}`;

/** A notice as printed lines; a finished download first shows its bar at 100 %. */
function noticeLines(n: Notice): Array<[OutputKind, string]> {
  const lines: Array<[OutputKind, string]> = [];
  if (n.finished) lines.push(['success', `✓ ${n.finished.name}  ${bar(1, FINISHED_BAR)}  100%  ${formatBytes(n.finished.size)}`]);
  lines.push([noticeKind(n), n.finished ? `  ${n.text}` : noticeText(n)]);
  return lines;
}

/** The hint row under the prompt while commands wait for their answers. */
function runningHint(pending: ReadonlyArray<{ line: string }>): string | undefined {
  return pending.length === 0 ? undefined : `… ${pending.map((p) => p.line).join(' · ')}`;
}

/** Splits the rows under the header between the peer list and the progress bars. */
function budget(avail: number, peerRows: number, downloadRows: number): { peers: number; downloads: number } {
  if (peerRows + downloadRows <= avail) return { peers: peerRows, downloads: downloadRows };
  const peers = Math.max(1, Math.min(peerRows, Math.floor(avail / 3)));
  const downloads = Math.max(downloadRows > 0 ? 1 : 0, Math.min(downloadRows, avail - peers));
  return { peers: Math.max(1, avail - downloads), downloads };
}

export function App({ facade, leaveSignal, throttleMs }: AppProps) {
  const state = usePeerState(facade, throttleMs);
  const { columns: width, rows } = useTerminalSize();
  const { exit } = useApp();
  const nextKey = useRef(1);
  const [output, setOutput] = useState<OutputEntry[]>(() => [{ key: 0, kind: 'info', text: WELCOME }]);
  const lastNotice = useRef(0);
  const leaving = useRef(false);
  const [status, setStatus] = useState<string | undefined>(undefined);
  const [finished, setFinished] = useState(false);
  /** Commands sent and not answered yet, shown under the prompt until their answer prints. */
  const [pending, setPending] = useState<Array<{ id: number; line: string }>>([]);
  const nextPending = useRef(1);

  const print = useCallback((entries: Array<[OutputKind, string]>) => {
    if (entries.length === 0) return;
    const added = entries.map(([kind, text]) => ({ key: nextKey.current++, kind, text }));
    setOutput((prev) => [...prev, ...added]);
  }, []);

  const leave = useCallback(() => {
    if (leaving.current) return;
    leaving.current = true;
    setStatus('leaving the mesh…');
    facade
      .stop()
      .catch((err: unknown) => print([['error', `error: ${describeError(err)}`]]))
      .finally(() => {
        setStatus('bye: left the mesh (goodbye sent)');
        setFinished(true);
      });
  }, [facade, print]);

  // Leaving with downloads running asks first (they resume next time); y, or Ctrl+C again, leaves.
  const [confirming, setConfirming] = useState(false);
  const running = state.downloads.length;
  const requestLeave = useCallback(() => {
    if (leaving.current) return;
    if (running === 0 || confirming) return leave();
    setConfirming(true);
    print([['warning', `${running === 1 ? '1 download' : `${running} downloads`} running: they resume next time. Leave? y/n`]]);
  }, [running, confirming, leave, print]);
  useInput(
    (input, key) => {
      setConfirming(false);
      if (keyAnswer(input) === true || (key.ctrl && input === 'c')) leave();
      else print([['info', 'staying on the mesh']]);
    },
    { isActive: confirming },
  );

  // `--accept ask`: the oldest offer waiting takes the prompt's place until y or n answers it.
  const question = leaving.current ? undefined : state.question;
  useInput(
    (input) => {
      const yes = keyAnswer(input);
      if (yes === undefined) return;
      const line = facade.answerPush?.(yes);
      if (line) print([['info', `* ${line}`]]);
    },
    { isActive: question !== undefined && !confirming },
  );

  // Exit only after the "bye" frame is committed, so it is the last thing on screen.
  useEffect(() => {
    if (finished) exit();
  }, [finished, exit]);

  useEffect(() => {
    if (!leaveSignal) return;
    if (leaveSignal.aborted) return leave();
    leaveSignal.addEventListener('abort', leave, { once: true });
    return () => leaveSignal.removeEventListener('abort', leave);
  }, [leaveSignal, leave]);

  useEffect(() => {
    const fresh = state.notices.filter((n) => n.seq > lastNotice.current);
    if (fresh.length === 0) return;
    lastNotice.current = fresh[fresh.length - 1]!.seq;
    print(fresh.flatMap((n) => noticeLines(n)));
  }, [state.notices, print]);

  const submit = useCallback(
    (line: string) => {
      const trimmed = line.trim();
      if (!trimmed || leaving.current) return;
      const id = nextPending.current++;
      setPending((prev) => [...prev, { id, line: trimmed }]);
      const settle = (answer: Array<[OutputKind, string]>) => {
        setPending((prev) => prev.filter((p) => p.id !== id));
        // Commands run at once (a long one must not block the prompt), so answers can come back in
        // any order: each is printed under its own command line when it arrives.
        print([['echo', trimmed], ...answer]);
      };
      facade.run(trimmed).then(
        (out) => {
          settle(out.lines.map((l) => ['text', l] as [OutputKind, string]));
          if (out.exit) requestLeave();
        },
        (err: unknown) => settle([['error', `error: ${describeError(err)}`]]),
      );
    },
    [facade, requestLeave, print],
  );

  const replay = useOutputReplay(output.length, width, rows);
  const commandNames = facade.commands.map((c) => c.name);
  const prompt = usePrompt({
    onSubmit: (line) => (CLEAR_WORDS.has(line.trim()) ? replay.clear() : submit(line)),
    onLeave: requestLeave,
    onClear: replay.clear,
    complete: (text, cursor) => complete(text, cursor, { commands: commandNames, files: state.fileNames }),
    isActive: status === undefined && !confirming && question === undefined,
  });

  const head = headerRows(state.self, state.peers.length, width, state.index);
  const downloadRows = transfersRows(state.downloads, width);
  const pushRows = pushesRows(state.pushes ?? []);
  const uploadRows = state.uploads?.length ?? 0;
  const avail = rows === undefined ? Infinity : rows - 1 - head - PROMPT_ROWS;
  // Downloads, pushes and uploads share the progress rows, in that order.
  const space = budget(avail, Math.max(1, state.peers.length), downloadRows + pushRows + uploadRows);
  const downloadSpace = Math.min(downloadRows, space.downloads);
  const pushSpace = Math.min(pushRows, space.downloads - downloadSpace);

  return (
    <>
      <Static key={replay.epoch} items={replay.from > 0 ? output.slice(replay.from) : output}>
        {(entry) => <OutputLine key={entry.key} entry={entry} width={width} />}
      </Static>
      <Box flexDirection="column">
        <Header self={state.self} peerCount={state.peers.length} width={width} index={state.index} discovering={state.discovering} />
        <PeerList
          peers={state.peers}
          width={width}
          maxRows={space.peers}
          discovering={state.discovering}
          indexMode={state.index !== undefined}
        />
        <Transfers downloads={state.downloads} width={width} maxRows={downloadSpace} />
        <Pushes pushes={state.pushes ?? []} width={width} maxRows={pushSpace} />
        <Uploads rows={state.uploads ?? []} width={width} maxRows={space.downloads - downloadSpace - pushSpace} />
        <Prompt text={prompt.text} cursor={prompt.cursor} width={width} hint={prompt.hint ?? runningHint(pending)} status={status ?? (question && `? ${question}`)} />
      </Box>
    </>
  );
}
