// Adapts a running Peer to the UI's facade: listens to its events, keeps one snapshot (rebuilt
// lazily after a change) and runs commands through the shared command layer. Owns no sockets.
import type { Peer } from '../peer.js';
import type { RemotePeer } from '../discovery/peer-table.js';
import { COMMANDS, execute, type Command, type CommandOutput } from '../cli/commands.js';
import { hostIpv4Addresses } from '../discovery/host-addresses.js';
import type { Notice, PeerFacade, PeerState } from './use-peer-state.js';
import { DownloadTracker } from './download-tracker.js';

export interface PeerFacadeInit {
  /** Shown in the header (default: the first LAN IPv4 of this host). */
  address?: string;
  commands?: Command[];
  /** Notices kept for late subscribers (default 100). */
  maxNotices?: number;
}

export interface ClosablePeerFacade extends PeerFacade {
  /** Detaches from the peer's events (does not stop the peer). Idempotent. */
  close(): void;
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
  const meshChanged = () => {
    mesh = undefined;
    changed();
  };
  const notice = (level: Notice['level'], text: string, finished?: Notice['finished']) => {
    notices = [...notices, { seq: ++seq, level, text, ...(finished ? { finished } : {}) }].slice(-maxNotices);
    changed();
  };
  const downloads = new DownloadTracker(peer, { onChange: changed, onNotice: notice });

  const onUp = (p: RemotePeer) => {
    mesh = undefined;
    notice('info', `peer up: ${p.name} ${p.address}`);
  };
  const onDown = (p: RemotePeer, reason: string) => {
    mesh = undefined;
    notice('info', `peer down: ${p.name} (${reason})`);
  };
  const onWarning = (m: string) => notice('warning', m);
  peer.on('peer:up', onUp);
  peer.on('peer:down', onDown);
  peer.on('catalog', meshChanged);
  peer.on('warning', onWarning);

  const buildMesh = (): Pick<PeerState, 'peers' | 'fileNames'> => {
    const names = new Set<string>();
    for (const f of peer.files()) for (const n of f.names) names.add(n);
    return { peers: peer.peers(), fileNames: [...names] };
  };
  const build = (): PeerState => {
    mesh ??= buildMesh();
    return {
      self: { id: peer.id, name: peer.name, address, ports: peer.ports },
      ...mesh,
      downloads: downloads.list(),
      notices,
    };
  };

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
    close() {
      if (closed) return;
      closed = true;
      peer.off('peer:up', onUp);
      peer.off('peer:down', onDown);
      peer.off('catalog', meshChanged);
      peer.off('warning', onWarning);
      downloads.close();
      listeners.clear();
    },
  };
}
