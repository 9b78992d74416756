// One session's view of a Peer's events, shared by line mode and the terminal UI: peer up/down,
// warnings, index-mode notices and download events become notice lines (worded only here) and
// structured download updates. Attaching also resumes the partial downloads left in the folder.
import type { Peer } from '../peer.js';
import type { RemotePeer } from '../discovery/peer-table.js';
import type { DownloadProgress, DownloadStart, DownloadSummary, DroppedHolder } from '../transfer/transfer-service.js';
import { formatDone, formatDropped, formatStart, formatState } from './transfer-format.js';
import { describeError } from '../errors.js';

export type SessionLevel = 'info' | 'warning' | 'success';

/** A line worth printing once; line mode prefixes "! " to warnings and "* " to the rest. */
export interface SessionLine {
  level: SessionLevel;
  text: string;
  /** Set on a finished download (the UI draws its full bar above the text). */
  finished?: { name: string; size: number };
}

export type DownloadUpdate =
  | { type: 'start'; start: DownloadStart }
  /** `tick`: the periodic progress report; `state`: its state changed (connecting, running, waiting…). */
  | { type: 'progress'; progress: DownloadProgress; via: 'tick' | 'state' }
  /** Done or failed: it leaves the running list (its line follows). */
  | { type: 'end'; id: string };

export interface SessionSink {
  line(l: SessionLine): void;
  download?(u: DownloadUpdate): void;
  /** The mesh changed: a peer came or went, or a catalog arrived. */
  mesh?(): void;
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
export function attachSession(peer: SessionPeer, sink: SessionSink): Session {
  const info = (text: string) => sink.line({ level: 'info', text });
  const warning = (text: string) => sink.line({ level: 'warning', text });
  /** Downloads that said they wait, until they run again. */
  const waiting = new Set<string>();
  const end = (id: string) => {
    waiting.delete(id);
    sink.download?.({ type: 'end', id });
  };

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

  on('download:start', (s: DownloadStart) => {
    sink.download?.({ type: 'start', start: s });
    if (s.via === 'resume') info(formatStart(s));
  });
  on('download:progress', (p: DownloadProgress) => sink.download?.({ type: 'progress', progress: p, via: 'tick' }));
  on('download:state', (p: DownloadProgress) => {
    const line = formatState(p, waiting.has(p.id));
    if (p.state === 'waiting') waiting.add(p.id);
    else if (p.state === 'running') waiting.delete(p.id);
    sink.download?.({ type: 'progress', progress: p, via: 'state' });
    if (line) info(line);
  });
  on('download:dropped', (x: DroppedHolder) => warning(formatDropped(x)));
  on('download:done', (s: DownloadSummary) => {
    end(s.id);
    sink.line({ level: 'success', text: formatDone(s, peer.dir), finished: { name: s.name, size: s.size } });
  });
  on('download:failed', (f: { id: string; name: string; error: string; cancelled?: true }) => {
    end(f.id);
    // A cancel the user asked for is news, not a fault.
    if (f.cancelled) info(`download ${f.name} cancelled: its partial data is deleted`);
    else warning(`download ${f.name} failed: ${f.error}`);
  });

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
    },
  };
}
