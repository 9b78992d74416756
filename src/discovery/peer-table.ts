// The peers discovery currently knows, keyed by peer id, with TTL expiry on an injectable clock.
// Emits peer:up / peer:update / peer:down; holds no sockets and no timers (the owner calls expire()).
// Bounded whatever the sources say: a TTL cap, a cap on the table and on what one source address adds.
import { EventEmitter } from 'node:events';
import type { PeerId } from '../types.js';
import type { RemotePeerInfo } from './records.js';

export interface RemotePeer extends RemotePeerInfo {
  /** Clock time (ms) of the last announcement. */
  lastSeen: number;
  /** Clock time (ms) after which the peer is dropped unless re-announced. */
  expiresAt: number;
  /** Set when it said goodbye: dropped at expiresAt unless it announces again first. */
  leaving?: boolean;
}

/** evicted: dropped to make room for a peer from a source address holding fewer entries. */
export type PeerDownReason = 'goodbye' | 'expired' | 'evicted';

export interface PeerTableEvents {
  'peer:up': [peer: RemotePeer];
  'peer:update': [peer: RemotePeer, previous: RemotePeer];
  'peer:down': [peer: RemotePeer, reason: PeerDownReason];
}

/** Our own announcements carry at most this (config allows 1..3600 s): a longer claim is cut to it. */
export const MAX_TTL_MS = 3600 * 1000;
export const DEFAULT_MAX_PEERS = 512;
export const DEFAULT_MAX_PER_SOURCE = 32;

export interface PeerTableInit {
  /** Milliseconds clock; Date.now unless a test injects one. */
  now?: () => number;
  /** Most peers held at once (default 512). */
  maxPeers?: number;
  /** Most peers one source address may hold (default 32: a host runs a few peers, not thousands). */
  maxPerSource?: number;
  /** Longest TTL honoured (default 1 h). */
  maxTtlMs?: number;
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
  /** Source address → ids it holds, for the per-source cap. */
  private readonly bySource = new Map<string, Set<PeerId>>();
  private readonly now: () => number;
  private readonly maxPeers: number;
  private readonly maxPerSource: number;
  private readonly maxTtlMs: number;

  constructor(init: PeerTableInit = {}) {
    super();
    this.now = init.now ?? Date.now;
    this.maxPeers = init.maxPeers ?? DEFAULT_MAX_PEERS;
    this.maxPerSource = init.maxPerSource ?? DEFAULT_MAX_PER_SOURCE;
    this.maxTtlMs = init.maxTtlMs ?? MAX_TTL_MS;
  }

  /**
   * Records an announcement that is valid for ttlMs from now (at most the TTL cap). Returns the entry,
   * or undefined when a new peer was refused: its source address already holds its share, or the
   * table is full and no source holds more than this one would.
   */
  upsert(info: RemotePeerInfo, ttlMs: number): RemotePeer | undefined {
    const previous = this.peers.get(info.id);
    if (!previous && !this.makeRoom(info.address)) return undefined;
    const now = this.now();
    const peer: RemotePeer = {
      id: info.id,
      name: info.name,
      address: info.address,
      ports: { ...info.ports },
      rev: info.rev,
      ...(info.transient ? { transient: true as const } : {}),
      lastSeen: now,
      expiresAt: now + Math.min(this.maxTtlMs, Math.max(0, ttlMs)),
    };
    if (previous) this.unindex(previous);
    this.peers.set(info.id, peer);
    this.index(peer);
    if (!previous) this.emit('peer:up', clone(peer));
    else if (changed(previous, peer)) this.emit('peer:update', clone(peer), previous);
    return clone(peer);
  }

  /**
   * The peer said it is leaving (TTL 0). RFC 6762 §10.1: it stays graceMs more (an announcement in
   * that time keeps it), then goes with reason goodbye. Returns whether it was known.
   */
  goodbye(id: PeerId, graceMs = 0): boolean {
    const peer = this.peers.get(id);
    if (!peer) return false;
    if (graceMs > 0) {
      peer.leaving = true;
      peer.expiresAt = Math.min(peer.expiresAt, this.now() + graceMs);
      return true;
    }
    this.remove(peer, 'goodbye');
    return true;
  }

  /** Drops every peer whose records ran out by `now`; returns how many were dropped. */
  expire(now: number = this.now()): number {
    const gone = [...this.peers.values()].filter((p) => p.expiresAt <= now);
    for (const p of gone) this.remove(p, p.leaving ? 'goodbye' : 'expired');
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

  /** Whether a new peer from `source` may enter, evicting from the source that holds the most if full. */
  private makeRoom(source: string): boolean {
    const own = this.bySource.get(source)?.size ?? 0;
    if (own >= this.maxPerSource) return false;
    if (this.peers.size < this.maxPeers) return true;
    let biggest: Set<PeerId> | undefined;
    for (const ids of this.bySource.values()) if (!biggest || ids.size > biggest.size) biggest = ids;
    // Only a source holding more than this one would after adding gives up an entry.
    if (!biggest || biggest.size <= own + 1) return false;
    let oldest: RemotePeer | undefined;
    for (const id of biggest) {
      const p = this.peers.get(id)!;
      if (!oldest || p.lastSeen < oldest.lastSeen) oldest = p;
    }
    this.remove(oldest!, 'evicted');
    return true;
  }

  private remove(peer: RemotePeer, reason: PeerDownReason): void {
    this.peers.delete(peer.id);
    this.unindex(peer);
    this.emit('peer:down', clone(peer), reason);
  }

  private index(p: RemotePeer): void {
    let ids = this.bySource.get(p.address);
    if (!ids) this.bySource.set(p.address, (ids = new Set()));
    ids.add(p.id);
  }

  private unindex(p: RemotePeer): void {
    const ids = this.bySource.get(p.address);
    ids?.delete(p.id);
    if (ids?.size === 0) this.bySource.delete(p.address);
  }
}
