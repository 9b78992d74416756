// One session's view of a Peer's events, shared by line mode and the terminal UI: peer up/down,
// warnings, index-mode notices and download events become notice lines (worded only here) and
// structured download updates. Attaching also resumes the partial downloads left in the folder.
import type { Peer } from '../peer.js';
import type { RemotePeer } from '../discovery/peer-table.js';
import type { DownloadEvent, UploadEvent, UploadRow } from '../transfer/transfer-service.js';
import { formatDone, formatDropped, formatStart, formatState, formatUploadDone } from './text.js';
import { describeError } from '../errors.js';
import { attachPushEvents } from './push-events.js';
import type { PushQuestion, PushQuestionEnd, PushRow } from '../push/push-service.js';
import { PushQuestions, formatQuestion, formatQuestionEnd } from './push-questions.js';

export type SessionLevel = 'info' | 'warning' | 'success';

/** A line worth printing once; line mode prefixes "! " to warnings and "* " to the rest. */
export interface SessionLine {
  level: SessionLevel;
  text: string;
  /** Set on a finished download (the UI draws its full bar above the text). */
  finished?: { name: string; size: number };
}

export type PushUpdate = { type: 'rows'; id: string; name: string; rows: PushRow[] } | { type: 'end'; id: string };

export interface SessionSink {
  line(l: SessionLine): void;
  /** Every download event as the peer forwards it (the sink keeps what it shows). */
  download?(e: DownloadEvent): void;
  /** A push this peer runs: its recipients' rows (every second), or its end. */
  push?(u: PushUpdate): void;
  /** The mesh changed: a peer came or went, or a catalog arrived. */
  mesh?(): void;
  /** Uploads to other peers running now (every half second while bytes flow; [] when none). */
  uploads?(rows: UploadRow[]): void;
  /**
   * `--accept ask`: the offers waiting for an answer changed (the oldest is `questions.oldest`). A sink
   * without it cannot answer, and the peer refuses such offers at once.
   */
  questions?(questions: PushQuestions): void;
}

/** What a session needs of a Peer. */
export type SessionPeer = Pick<Peer, 'on' | 'off' | 'peers' | 'dir' | 'resumeDownloads'>;

export interface Session {
  /** Detaches every listener (does not stop the peer). Idempotent. */
  close(): void;
}

type Listener = Parameters<SessionPeer['on']>[1];

/**
 * Listens to `peer` for `sink`, then resumes partial downloads (after listening, so their start
 * lines are seen). Peers found before this call are reported as "peer up" lines at once.
 */
export interface SessionOptions {
  /** --quiet: only warnings and finished results become lines (no peer up/down, starts, sent lines). */
  quiet?: boolean;
}

export function attachSession(peer: SessionPeer, sink: SessionSink, opts: SessionOptions = {}): Session {
  const info = (text: string) => {
    if (!opts.quiet) sink.line({ level: 'info', text });
  };
  const warning = (text: string) => sink.line({ level: 'warning', text });
  /** Downloads that said they wait, until they run again. */
  const waiting = new Set<string>();

  const handlers: Array<[string, Listener]> = [];
  const on = <A extends unknown[]>(event: string, fn: (...args: A) => void) => {
    handlers.push([event, fn as Listener]);
    peer.on(event, fn as Listener);
  };

  on('peer:up', (p: RemotePeer) => {
    sink.mesh?.();
    info(`peer up: ${p.name} ${p.address}`);
  });
  on('peer:down', (p: RemotePeer, reason: string) => {
    sink.mesh?.();
    info(`peer down: ${p.name} (${reason})`);
  });
  // Warnings held while nobody listened arrive as soon as this subscribes.
  on('warning', (m: string) => warning(m));
  on('notice', (m: string) => info(m));
  on('catalog', () => sink.mesh?.());
  for (const p of peer.peers()) info(`peer up: ${p.name} ${p.address}`);

  on('download', (e: DownloadEvent) => {
    // The sink first: a finished download leaves the bars before its line prints.
    sink.download?.(e);
    switch (e.type) {
      case 'start':
        if (e.start.via === 'resume' || e.start.via === 'push') info(formatStart(e.start));
        return;
      case 'progress':
        return;
      case 'state': {
        const p = e.progress;
        const line = formatState(p, waiting.has(p.id));
        if (p.state === 'waiting') waiting.add(p.id);
        else if (p.state === 'running') waiting.delete(p.id);
        if (line) info(line);
        return;
      }
      case 'dropped':
        return warning(formatDropped(e.dropped));
      case 'done': {
        const s = e.summary;
        waiting.delete(s.id);
        return sink.line({ level: 'success', text: formatDone(s, peer.dir), finished: { name: s.name, size: s.size } });
      }
      case 'failed':
        waiting.delete(e.failure.id);
        // A cancel the user asked for is news, not a fault.
        if (e.failure.cancelled) return info(`download ${e.failure.name} cancelled: its partial data is deleted`);
        return warning(`download ${e.failure.name} failed: ${e.failure.error}`);
    }
  });

  on('upload', (e: UploadEvent) => {
    if (e.type === 'rows') sink.uploads?.(e.rows);
    else info(formatUploadDone(e.done));
  });

  attachPushEvents(on, (l) => (l.level === 'info' ? info(l.text) : sink.line(l)), (u) => sink.push?.(u));
  const questions = new PushQuestions();
  if (sink.questions) {
    const changed = sink.questions.bind(sink);
    on('push:ask', (q: PushQuestion) => {
      questions.add(q);
      // Shown even with --quiet: it waits for an answer.
      sink.line({ level: 'info', text: formatQuestion(q) });
      changed(questions);
    });
    on('push:asked', (end: PushQuestionEnd) => {
      const q = questions.end(end);
      const line = q && formatQuestionEnd(q, end);
      if (line) sink.line({ level: 'info', text: line });
      if (q) changed(questions);
    });
  }

  let closed = false;
  peer.resumeDownloads().catch((err: unknown) => {
    if (!closed) warning(`cannot resume downloads: ${describeError(err)}`);
  });

  return {
    close() {
      if (closed) return;
      closed = true;
      for (const [event, fn] of handlers) peer.off(event, fn);
      handlers.length = 0;
      waiting.clear();
      questions.clear();
    },
  };
}
