// The second discovery source: peers mDNS cannot reach. Each configured HOST:PORT is probed with a
// `hello` on its sender port; a peer is in the table while it answers (each answer renews it for
// ttlMs) and drops out by expiry after it stops. Peers a hello answer lists, and peers that say hello
// to us, are probed directly too (learned, bounded, keyed by address so nothing loops).
import type { Socket } from 'node:net';
import type { FramedConnection } from '../wire/connection.js';
import type { ControlMessage, HelloPeer, HelloSelf } from '../wire/messages.js';
import { MAX_HELLO_NAME, MAX_HELLO_PEERS } from '../wire/hello.js';
import { describeError } from '../errors.js';
import type { PeerId } from '../types.js';
import type { PeerTable } from './peer-table.js';
import { entryKey, type StaticEntry } from './static-list.js';
import { plainIpv4, probeHello } from './hello-probe.js';
import type { SocketSecurity } from '../wire/secure-socket.js';
import type { Service } from '../lifecycle.js';

export interface StaticPeersInit {
  table: PeerTable;
  /** Who we are right now (ports once bound, the current catalog revision). */
  self: () => HelloSelf;
  entries?: StaticEntry[];
  onWarning: (msg: string) => void;
  /** Probe period (default 4 s). */
  probeMs?: number;
  /** How long one answer keeps a peer in the table (default 12 s: down ≤ 12.5 s after it stops). */
  ttlMs?: number;
  /** Connect and answer timeout of one probe (default 3 s). */
  timeoutMs?: number;
  /** What the probes speak (a private mesh's TLS-PSK; default plain TCP). */
  security?: SocketSecurity;
}

export interface StaticTargetView {
  host: string;
  /** T, as the user wrote it (sender port − 1). */
  port: number;
  configured: boolean;
  /** The peer that answered last, if any. */
  id: PeerId | undefined;
  /** Failed probes in a row. */
  failures: number;
  lastError: string | undefined;
}

interface Target extends StaticTargetView {
  busy: AbortController | undefined;
}

/** Learned (not configured) targets at most: a hello answer cannot make us dial without bound. */
export const MAX_LEARNED = 64;
/** A learned target that failed this many probes in a row is forgotten. */
const LEARNED_MAX_FAILURES = 3;

export class StaticPeers implements Service {
  readonly name = 'static-peers';
  private readonly targets = new Map<string, Target>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly probeMs: number;
  private readonly ttlMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly init: StaticPeersInit) {
    this.probeMs = init.probeMs ?? 4000;
    this.ttlMs = init.ttlMs ?? 12_000;
    this.timeoutMs = init.timeoutMs ?? 3000;
    for (const e of init.entries ?? []) this.add(e);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.probeAll();
    this.timer = setInterval(() => this.probeAll(), this.probeMs);
    this.timer.unref();
  }

  stop(): void {
    this.running = false;
    clearInterval(this.timer);
    this.timer = undefined;
    for (const t of this.targets.values()) t.busy?.abort();
  }

  /** A configured entry (from the start-up list or `add-peer`); probed at once when running. */
  add(e: StaticEntry): StaticTargetView {
    const key = entryKey(e);
    const known = this.targets.get(key);
    if (known) {
      known.configured = true;
      return view(known);
    }
    const t: Target = { host: e.host, port: e.port, configured: true, id: undefined, failures: 0, lastError: undefined, busy: undefined };
    this.targets.set(key, t);
    if (this.running) void this.probe(t);
    return view(t);
  }

  /**
   * Forgets the targets that `word` names (HOST:PORT, a peer id or a peer name) and drops the peers
   * they found from the table (mDNS puts a peer it also sees back at its next announcement).
   */
  forget(word: string): StaticTargetView[] {
    const names = new Map(this.init.table.list().map((p) => [p.id, p.name]));
    const gone = [...this.targets.entries()].filter(([key, t]) =>
      key === word.toLowerCase() || (t.id !== undefined && (t.id === word || names.get(t.id) === word)));
    for (const [key, t] of gone) {
      this.targets.delete(key);
      t.busy?.abort();
      if (t.id && !this.answeredBy(t.id)) this.init.table.goodbye(t.id);
    }
    return gone.map(([, t]) => view(t));
  }

  /** Whether a static target (configured or learned) found this peer. */
  isStatic(id: PeerId): boolean {
    return this.answeredBy(id);
  }

  list(): StaticTargetView[] {
    return [...this.targets.values()].map(view);
  }

  /**
   * Sender-port handler: answers `hello` with who we are and, when the asker says who it is (static
   * discovery), the peers we see; then probes the asker back. A bare hello (liveness, doctor) gets `self` only.
   */
  readonly handler = async (msg: ControlMessage, conn: FramedConnection, socket: Socket): Promise<boolean> => {
    if (msg.t !== 'hello') return false;
    const me = this.init.self();
    const peers: HelloPeer[] = [];
    for (const p of msg.from ? this.init.table.list() : []) {
      if (peers.length >= MAX_HELLO_PEERS) break;
      const address = plainIpv4(p.address);
      if (p.id === msg.from?.id || !address) continue;
      peers.push({ id: p.id, name: p.name.slice(0, MAX_HELLO_NAME) || 'peer', address, ports: p.ports, rev: p.rev });
    }
    await conn.send({ t: 'hello.ok', rid: msg.rid, self: me, ...(msg.from ? { peers } : {}) });
    const from = msg.from;
    const address = plainIpv4(socket.remoteAddress);
    if (from && address && from.id !== me.id) this.learn(address, from.ports.sender, from.id);
    return true;
  };

  private answeredBy(id: PeerId): boolean {
    for (const t of this.targets.values()) if (t.id === id) return true;
    return false;
  }

  private probeAll(): void {
    for (const t of this.targets.values()) void this.probe(t);
  }

  /** A peer we heard of (listed in an answer, or it said hello): probe it unless it is known already. */
  private learn(address: string, senderPort: number, id: PeerId): void {
    if (!this.running || id === this.init.self().id || this.init.table.get(id) || this.answeredBy(id)) return;
    const e = { host: address, port: senderPort - 1 };
    const key = entryKey(e);
    if (this.targets.has(key)) return;
    if ([...this.targets.values()].filter((t) => !t.configured).length >= MAX_LEARNED) return;
    const t: Target = { ...e, configured: false, id: undefined, failures: 0, lastError: undefined, busy: undefined };
    this.targets.set(key, t);
    void this.probe(t);
  }

  private async probe(t: Target): Promise<void> {
    if (!this.running || t.busy) return;
    const ac = new AbortController();
    t.busy = ac;
    try {
      const me = this.init.self();
      const { answer, address } = await probeHello(t.host, t.port + 1, me, this.timeoutMs, ac.signal, this.init.security);
      if (!this.running || ac.signal.aborted || !this.targets.has(entryKey(t))) return;
      const s = answer.self;
      if (s.id === me.id) {
        this.failed(t, 'that is this peer itself');
        return;
      }
      if (s.ports.sender !== t.port + 1) {
        this.failed(t, `it answered for sender port ${s.ports.sender}, not ${t.port + 1}`);
        return;
      }
      t.id = s.id;
      t.failures = 0;
      t.lastError = undefined;
      // A peer mDNS also sees keeps the address mDNS found (flipping it would redial its downloads).
      const known = this.init.table.get(s.id);
      this.init.table.upsert({ id: s.id, name: s.name, address: known?.address ?? address, ports: s.ports, rev: s.rev }, this.ttlMs);
      for (const p of answer.peers ?? []) this.learn(p.address, p.ports.sender, p.id);
    } catch (err) {
      if (ac.signal.aborted || !this.running) return;
      this.failed(t, describeError(err));
    } finally {
      t.busy = undefined;
    }
  }

  private failed(t: Target, why: string): void {
    t.failures++;
    t.lastError = why;
    if (t.configured) {
      if (t.failures === 1 || t.failures % 15 === 0) this.init.onWarning(`static peer ${t.host}:${t.port} does not answer (${why}); still trying`);
    } else if (t.failures >= LEARNED_MAX_FAILURES) {
      this.targets.delete(entryKey(t));
    }
  }
}

function view(t: Target): StaticTargetView {
  return { host: t.host, port: t.port, configured: t.configured, id: t.id, failures: t.failures, lastError: t.lastError };
}
