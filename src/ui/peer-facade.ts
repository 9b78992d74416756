// Adapts a running Peer to the UI's facade: hears its events through the shared session (which also
// resumes partial downloads), keeps one snapshot (rebuilt lazily after a change) and runs commands
// through the shared command layer. Owns no sockets.
import type { Peer } from '../peer.js';
import { COMMANDS, execute, type Command, type CommandOutput } from '../session/commands.js';
import { attachSession } from '../session/events.js';
import { hostIpv4Addresses } from '../discovery/host-addresses.js';
import type { IndexView, Notice, PeerFacade, PeerState, PushView } from './use-peer-state.js';
import { formatUploadRow } from '../session/text.js';
import { DownloadTracker } from './download-tracker.js';
import { formatQuestion, type PushQuestions } from '../session/push-questions.js';

export interface PeerFacadeInit {
  /** Shown in the header (default: the first LAN IPv4 of this host). */
  address?: string;
  commands?: Command[];
  /** Notices kept for late subscribers (default 100). */
  maxNotices?: number;
  /** --quiet: only warnings and finished results are printed. */
  quiet?: boolean;
}

export interface ClosablePeerFacade extends PeerFacade {
  /** Detaches from the peer's events (does not stop the peer). Idempotent. */
  close(): void;
}

function indexView(peer: Peer): IndexView | undefined {
  const s = peer.p2pci?.status();
  return s && { server: s.server, state: s.state, rfcs: s.registered.length };
}

export function createPeerFacade(peer: Peer, init: PeerFacadeInit = {}): ClosablePeerFacade {
  const commands = init.commands ?? COMMANDS;
  const maxNotices = init.maxNotices ?? 100;
  const address = init.address ?? hostIpv4Addresses()[0] ?? '127.0.0.1';
  const listeners = new Set<() => void>();
  let notices: Notice[] = [];
  let seq = 0;
  let snapshot: PeerState | undefined;
  // The mesh view (peers, file names) is rebuilt only after a mesh event, not on every progress tick.
  let mesh: Pick<PeerState, 'peers' | 'fileNames'> | undefined;
  let closed = false;

  const changed = () => {
    snapshot = undefined;
    for (const fn of [...listeners]) fn();
  };
  const downloads = new DownloadTracker();
  const pushes = new Map<string, PushView>();
  let uploads: string[] = [];
  let questions: PushQuestions | undefined;

  const buildMesh = (): Pick<PeerState, 'peers' | 'fileNames'> => {
    const names = new Set<string>();
    // Folders complete as `docs/`, then their files as `docs/a.txt` (a file's name is its path).
    for (const f of peer.folders()) for (const n of f.names) names.add(`${n}/`);
    for (const f of peer.files()) for (const n of f.names) names.add(n);
    return { peers: peer.peers(), fileNames: [...names] };
  };
  // The index status changes with the index's notices and warnings, each of which rebuilds this.
  const build = (): PeerState => {
    mesh ??= buildMesh();
    const index = indexView(peer);
    return {
      self: { id: peer.id, name: peer.name, address, ports: peer.ports },
      discovering: peer.discovering,
      ...(index ? { index } : {}),
      ...mesh,
      downloads: downloads.list(),
      ...(pushes.size > 0 ? { pushes: [...pushes.values()] } : {}),
      ...(uploads.length > 0 ? { uploads } : {}),
      ...(questions?.oldest ? { question: formatQuestion(questions.oldest) } : {}),
      notices,
    };
  };

  const session = attachSession(peer, {
    line(l) {
      notices = [...notices, { seq: ++seq, level: l.level, text: l.text, ...(l.finished ? { finished: l.finished } : {}) }].slice(-maxNotices);
      changed();
    },
    download(u) {
      if (downloads.apply(u)) changed();
    },
    push(u) {
      if (u.type === 'end') pushes.delete(u.id);
      else {
        const cells = u.rows.map(({ name, state, chunks, total, fromOrigin, fromPeers, rate, reason }) => ({ name, state, chunks, total, fromOrigin, fromPeers, rate, ...(reason !== undefined && { reason }) }));
        pushes.set(u.id, { key: u.id, title: `push ${u.name} → ${u.rows.length} recipient${u.rows.length === 1 ? '' : 's'}`, cells });
      }
      changed();
    },
    mesh() {
      mesh = undefined;
      changed();
    },
    uploads(rows) {
      uploads = rows.map(formatUploadRow);
      changed();
    },
    questions(q) {
      questions = q;
      changed();
    },
  }, { quiet: init.quiet });

  return {
    commands: commands.map(({ name, usage, summary }) => ({ name, usage, summary })),
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    getState() {
      snapshot ??= build();
      return snapshot;
    },
    run(line: string): Promise<CommandOutput> {
      return execute({ peer }, line, commands);
    },
    stop: () => peer.stop(),
    answerPush(yes: boolean) {
      const line = questions?.answer(yes);
      if (line !== undefined) changed();
      return line;
    },
    close() {
      if (closed) return;
      closed = true;
      session.close();
      downloads.clear();
      pushes.clear();
      uploads = [];
      listeners.clear();
    },
  };
}
