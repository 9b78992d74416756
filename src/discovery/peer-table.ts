// The peers discovery currently knows, keyed by peer id, with TTL expiry on an injectable clock.
// Emits peer:up / peer:update / peer:down; holds no sockets and no timers (the owner calls expire()).
import { EventEmitter } from 'node:events';
import type { PeerId } from '../types.js';
import type { RemotePeerInfo } from './records.js';

export interface RemotePeer extends RemotePeerInfo {
  /** Clock time (ms) of the last announcement. */
  lastSeen: number;
  /** Clock time (ms) after which the peer is dropped unless re-announced. */
  expiresAt: number;
}

export type PeerDownReason = 'goodbye' | 'expired';

export interface PeerTableEvents {
  'peer:up': [peer: RemotePeer];
  'peer:update': [peer: RemotePeer, previous: RemotePeer];
  'peer:down': [peer: RemotePeer, reason: PeerDownReason];
}

export interface PeerTableInit {
  /** Milliseconds clock; Date.now unless a test injects one. */
  now?: () => number;
}

const samePorts = (a: RemotePeerInfo, b: RemotePeerInfo): boolean =>
  a.ports.receiver === b.ports.receiver &&
  a.ports.sender === b.ports.sender &&
  a.ports.distributor === b.ports.distributor &&
  a.ports.distributee === b.ports.distributee;

const clone = (p: RemotePeer): RemotePeer => ({ ...p, ports: { ...p.ports } });

const changed = (a: RemotePeerInfo, b: RemotePeerInfo): boolean =>
  a.address !== b.address || a.name !== b.name || a.rev !== b.rev || !samePorts(a, b);

export class PeerTable extends EventEmitter<PeerTableEvents> {
  private readonly peers = new Map<PeerId, RemotePeer>();
  private readonly now: () => number;

  constructor(init: PeerTableInit = {}) {
    super();
    this.now = init.now ?? Date.now;
  }

  /** Records an announcement that is valid for ttlMs from now. */
  upsert(info: RemotePeerInfo, ttlMs: number): RemotePeer {
    const now = this.now();
    const peer: RemotePeer = {
      id: info.id,
      name: info.name,
      address: info.address,
      ports: { ...info.ports },
      rev: info.rev,
      lastSeen: now,
      expiresAt: now + Math.max(0, ttlMs),
    };
    const previous = this.peers.get(info.id);
    this.peers.set(info.id, peer);
    if (!previous) this.emit('peer:up', clone(peer));
    else if (changed(previous, peer)) this.emit('peer:update', clone(peer), previous);
    return clone(peer);
  }

  /** The peer said it is leaving (TTL 0). Returns whether it was known. */
  goodbye(id: PeerId): boolean {
    const peer = this.peers.get(id);
    if (!peer) return false;
    this.peers.delete(id);
    this.emit('peer:down', peer, 'goodbye');
    return true;
  }

  /** Drops every peer whose records ran out by `now`; returns how many were dropped. */
  expire(now: number = this.now()): number {
    const gone = [...this.peers.values()].filter((p) => p.expiresAt <= now);
    for (const p of gone) this.peers.delete(p.id);
    for (const p of gone) this.emit('peer:down', p, 'expired');
    return gone.length;
  }

  /** Known peers in the order they were first seen (copies: mutating them changes nothing). */
  list(): RemotePeer[] {
    return [...this.peers.values()].map(clone);
  }

  get(id: PeerId): RemotePeer | undefined {
    const p = this.peers.get(id);
    return p ? clone(p) : undefined;
  }

  get size(): number {
    return this.peers.size;
  }
}
