// mDNS/DNS-SD discovery over multicast-dns: announces this peer, answers queries, feeds what others
// announce into a PeerTable, and says goodbye (TTL 0, RFC 6762 §10.1) on stop. Owns the UDP socket.
import { EventEmitter } from 'node:events';
import type { RemoteInfo } from 'node:dgram';
import makeMdns from 'multicast-dns';
import type { Answer, Packet } from 'dns-packet';
import { LanmeshError, describeError } from '../errors.js';
import { logger } from '../log.js';
import { PEER_ID_RE } from '../types.js';
import { hostIpv4Addresses } from './host-addresses.js';
import { PeerTable } from './peer-table.js';
import { TimerSet } from './timer-set.js';
import { AnnouncementIntake } from './announcement-intake.js';
import {
  DEFAULT_TTL_SEC,
  SERVICE_TYPE,
  buildAnswers,
  instanceName,
  isQueryForUs,
  browseQuery,
  parseAnnouncements,
  type SelfInfo,
} from './records.js';

const log = logger('mdns');
const MDNS_PORT = 5353;
/** RFC 6762 §8.3 asks for several quick announcements at start; ours go at 0, 250 ms and 1 s. */
const STARTUP_ANNOUNCE_MS = [250, 1000];
/** Floor between two multicasts of our records: a query flood costs at most 10 packets/s. */
const MIN_MULTICAST_GAP_MS = 100;
const DEFAULT_EXPIRY_CHECK_MS = 500;
/** RFC 6762 §6.7: legacy unicast answers carry a TTL of at most 10 s. */
const LEGACY_MAX_TTL_SEC = 10;
/** Records this short (tests, tuning) are re-announced every ttl/3; standard ones never are. */
const SHORT_TTL_SEC = 60;
/** RFC 6762 §5.2: a querier refreshes a record at 80, 85, 90 and 95 % of its TTL (plus ≤ 2 % jitter). */
const REFRESH_AT = [0.8, 0.85, 0.9, 0.95];
/** Floor between two refresh queries of ours (a peer dropped over TCP asks once, never a storm). */
const MIN_QUERY_GAP_MS = 1000;
/**
 * RFC 6762 §5.2 continuous querying: browse again 1 s after start, then at doubling intervals up to
 * an hour, so a peer whose first query or whose neighbours' announcements were lost still finds them
 * (known answers keep the peers it knows quiet).
 */
const BROWSE_FIRST_MS = 1000;
const BROWSE_MAX_MS = 3_600_000;


export interface MdnsSocketOptions {
  multicast?: boolean;
  ip?: string;
  port?: number;
  interface?: string;
}

export interface MdnsDiscoveryInit {
  self: SelfInfo;
  /** TTL of our PTR/SRV/TXT records (default 4500 s, RFC 6762; A records at most 120 s). */
  ttlSec?: number;
  /** Re-announce period; default ttlSec / 3 for TTLs ≤ 60 s, else none (others refresh by query). */
  announceIntervalMs?: number;
  /** Passed to multicast-dns (tests). */
  mdns?: MdnsSocketOptions;
  /** The IPv4 addresses our A records carry (default: this host's). */
  addresses?: () => string[];
  /** How often expired peers are swept (default 500 ms). */
  expiryCheckMs?: number;
  /** The table to feed (a peer's one table, which its owner sweeps); default: one of its own, swept here. */
  table?: PeerTable;
}

export interface MdnsDiscoveryEvents {
  /** Recoverable: bad packets from the network, a failed send. */
  warning: [err: LanmeshError];
  /** The socket can no longer work. Emitted as a warning when nobody listens for 'error'. */
  error: [err: LanmeshError];
}

type Mdns = ReturnType<typeof makeMdns>;

export class MdnsDiscovery extends EventEmitter<MdnsDiscoveryEvents> {
  readonly table: PeerTable;
  private readonly sweeps: boolean;
  readonly ttlSec: number;
  readonly announceIntervalMs: number | undefined;
  private lastQueryAt = -Infinity;
  /** Per peer: the lastSeen its refresh steps count from, and how many steps were queried. */
  private readonly refreshed = new Map<string, { seen: number; steps: number }>();
  private self: SelfInfo;
  private readonly socketOptions: MdnsSocketOptions;
  private readonly addresses: () => string[];
  private readonly expiryCheckMs: number;
  private mdns: Mdns | undefined;
  private ready = false;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private readonly timers = new TimerSet();
  private pendingMulticast: NodeJS.Timeout | undefined;
  private lastMulticastAt = -Infinity;
  private warnedIdConflict = false;
  private readonly intake: AnnouncementIntake;
  private rejectStart: ((e: LanmeshError) => void) | undefined;

  constructor(init: MdnsDiscoveryInit) {
    super();
    const { id, rev } = init.self;
    if (!PEER_ID_RE.test(id)) {
      throw new LanmeshError('BAD_CONFIG', `peer id must be 16 lowercase hex characters, got ${JSON.stringify(id)}`);
    }
    if (!Number.isSafeInteger(rev) || rev < 0) {
      throw new LanmeshError('BAD_CONFIG', `catalog revision must be a non-negative integer, got ${rev}`);
    }
    this.self = { ...init.self, ports: { ...init.self.ports } };
    this.table = init.table ?? new PeerTable();
    this.sweeps = init.table === undefined;
    this.intake = new AnnouncementIntake(this.table, {
      later: (ms, fn) => void this.timers.later(ms, fn),
      warn: (msg) => this.warn(new LanmeshError('BAD_MESSAGE', msg)),
    });
    this.ttlSec = init.ttlSec ?? DEFAULT_TTL_SEC;
    if (!Number.isInteger(this.ttlSec) || this.ttlSec < 1 || this.ttlSec > DEFAULT_TTL_SEC) {
      throw new LanmeshError('BAD_CONFIG', `mdns ttlSec must be an integer 1..${DEFAULT_TTL_SEC}, got ${init.ttlSec}`);
    }
    this.announceIntervalMs = init.announceIntervalMs ?? (this.ttlSec <= SHORT_TTL_SEC ? Math.round((this.ttlSec * 1000) / 3) : undefined);
    if (this.announceIntervalMs !== undefined && !(this.announceIntervalMs > 0)) {
      throw new LanmeshError('BAD_CONFIG', `mdns announceIntervalMs must be > 0, got ${init.announceIntervalMs}`);
    }
    this.expiryCheckMs = init.expiryCheckMs ?? DEFAULT_EXPIRY_CHECK_MS;
    this.socketOptions = { ...init.mdns };
    this.addresses = init.addresses ?? hostIpv4Addresses;
  }

  /** What we announce right now. */
  get info(): SelfInfo {
    return { ...this.self, ports: { ...this.self.ports } };
  }

  /** Resolves once the socket is bound (the first announcement and query are then on their way). */
  start(): Promise<void> {
    this.starting ??= this.open();
    return this.starting;
  }

  /** Changes what we announce and announces it at once (the catalog revision, the name). */
  update(change: Partial<Pick<SelfInfo, 'rev' | 'name'>>): void {
    const next: SelfInfo = { ...this.self };
    if (change.rev !== undefined) {
      if (!Number.isSafeInteger(change.rev) || change.rev < 0) {
        throw new LanmeshError('BAD_CONFIG', `catalog revision must be a non-negative integer, got ${change.rev}`);
      }
      next.rev = change.rev;
    }
    if (change.name !== undefined) next.name = change.name;
    if (next.rev === this.self.rev && next.name === this.self.name) return;
    const previous = this.self;
    this.self = next;
    if (!this.ready || this.stopping) return;
    if (instanceName(previous) !== instanceName(next)) {
      // Standard browsers drop the old instance name. Only its PTR says goodbye: lanmesh peers key
      // on the id in TXT and see a rename as peer:update, not down + up.
      const ptr: Answer = { name: SERVICE_TYPE, type: 'PTR', class: 'IN', ttl: 0, data: instanceName(previous) };
      this.mdns?.respond({ answers: [ptr] }, this.onSent);
    }
    this.announce();
  }

  /**
   * Idempotent. Sends the goodbye (all our records with TTL 0) and waits until the socket has taken
   * it, then clears timers and closes the socket. `goodbye: false` is for tests that simulate a crash.
   */
  stop(opts: { goodbye?: boolean } = {}): Promise<void> {
    this.stopping ??= this.shutdown(opts.goodbye !== false);
    return this.stopping;
  }

  private open(): Promise<void> {
    if (this.stopping) return Promise.reject(new LanmeshError('IO', 'mdns discovery was already stopped'));
    const { port = MDNS_PORT, ip, interface: iface, multicast } = this.socketOptions;
    const where = `${ip ?? '224.0.0.251'}:${port}${iface ? ` on ${iface}` : ''}`;
    return new Promise<void>((resolve, reject) => {
      this.rejectStart = reject;
      let mdns: Mdns;
      try {
        mdns = makeMdns({ port, ip, interface: iface, multicast, reuseAddr: true, loopback: true });
      } catch (e) {
        reject(new LanmeshError('IO', `mdns: cannot create socket for ${where}: ${describeError(e)}`, { cause: e }));
        return;
      }
      this.mdns = mdns;
      mdns.on('warning', this.onMdnsWarning);
      mdns.on('error', (err: Error) => this.onMdnsError(err, where));
      mdns.once('ready', () => {
        this.rejectStart = undefined;
        this.ready = true;
        mdns.on('response', this.onResponse);
        mdns.on('query', this.onQuery);
        this.begin();
        log('bound %s as %s', where, instanceName(this.self));
        resolve();
      });
    });
  }

  private begin(): void {
    this.announce();
    this.mdns?.query({ questions: [{ name: SERVICE_TYPE, type: 'PTR' }] }, this.onSent);
    this.browseAfter(BROWSE_FIRST_MS);
    for (const ms of STARTUP_ANNOUNCE_MS) this.timers.later(ms, () => this.announce());
    if (this.announceIntervalMs !== undefined) this.timers.every(this.announceIntervalMs, () => this.announce());
    this.timers.every(this.expiryCheckMs, () => {
      if (this.sweeps) this.table.expire();
      this.refreshDue();
    });
  }

  private async shutdown(goodbye: boolean): Promise<void> {
    if (this.starting) await this.starting.catch(() => undefined);
    this.timers.clear();
    this.pendingMulticast = undefined;
    const mdns = this.mdns;
    if (!mdns) return;
    mdns.off('response', this.onResponse);
    mdns.off('query', this.onQuery);
    if (goodbye && this.ready) {
      const records = buildAnswers(this.self, this.currentAddresses(), 0);
      await new Promise<void>((resolve) =>
        mdns.respond(records, (err) => {
          if (err) this.onSent(err);
          resolve();
        }),
      );
    }
    this.ready = false;
    await new Promise<void>((resolve) => mdns.destroy(() => resolve()));
    this.mdns = undefined;
  }

  /**
   * Asks for every lanmesh instance once (a PTR query): live peers answer, so a peer dropped by mistake
   * (a lost TCP probe) comes back. At most one a second.
   */
  refresh(): void {
    if (!this.ready || this.stopping || Date.now() - this.lastQueryAt < MIN_QUERY_GAP_MS) return;
    this.lastQueryAt = Date.now();
    this.mdns?.query({ questions: [{ name: SERVICE_TYPE, type: 'PTR' }] }, this.onSent);
  }

  private browseAfter(ms: number): void {
    this.timers.later(ms, () => {
      if (!this.ready || this.stopping) return;
      this.lastQueryAt = Date.now();
      this.mdns?.query(browseQuery(this.table.list(), Date.now()), this.onSent);
      this.browseAfter(Math.min(BROWSE_MAX_MS, ms * 2));
    });
  }

  /** One refresh query when any peer's records reach their next refresh step (80…95 % of TTL). */
  private refreshDue(): void {
    const now = Date.now();
    let due = false;
    const known = new Set<string>();
    for (const p of this.table.list()) {
      known.add(p.id);
      const ttl = p.expiresAt - p.lastSeen;
      if (ttl <= SHORT_TTL_SEC * 1000) continue;
      let st = this.refreshed.get(p.id);
      if (!st || st.seen !== p.lastSeen) this.refreshed.set(p.id, (st = { seen: p.lastSeen, steps: 0 }));
      const step = REFRESH_AT[st.steps];
      if (step === undefined) continue;
      // Jitter per peer and step (0–2 % of the TTL), so peers that heard the same answer do not ask at once.
      const jitter = (((p.lastSeen + st.steps * 7919) % 1000) / 1000) * 0.02;
      if (now - p.lastSeen >= ttl * (step + jitter)) {
        st.steps++;
        due = true;
      }
    }
    for (const id of this.refreshed.keys()) if (!known.has(id)) this.refreshed.delete(id);
    if (due) this.refresh();
  }

  /** Multicasts all our records now, or as soon as the gap since the last multicast allows. */
  private announce(): void {
    if (!this.ready || this.stopping || this.pendingMulticast) return;
    const wait = this.lastMulticastAt + MIN_MULTICAST_GAP_MS - Date.now();
    if (wait > 0) {
      this.pendingMulticast = this.timers.later(wait, () => {
        this.pendingMulticast = undefined;
        this.announce();
      });
      return;
    }
    this.lastMulticastAt = Date.now();
    this.mdns?.respond(buildAnswers(this.self, this.currentAddresses(), this.ttlSec), this.onSent);
  }

  /** RFC 6762 §6.7: a query from a port other than 5353 gets a unicast answer, id and questions echoed. */
  private answerLegacy(query: Packet, rinfo: RemoteInfo): void {
    const { answers, additionals } = buildAnswers(this.self, this.currentAddresses(), Math.min(this.ttlSec, LEGACY_MAX_TTL_SEC));
    const plain = (a: Answer): Answer => ({ ...a, flush: false }) as Answer;
    const questions = (query.questions ?? []).map((q) => ({ name: q.name, type: q.type, class: 'IN' as const }));
    this.mdns?.respond(
      { id: query.id, questions, answers: answers.map(plain), additionals: additionals.map(plain) },
      { port: rinfo.port, address: rinfo.address },
      this.onSent,
    );
  }

  private readonly onQuery = (packet: Packet, rinfo: RemoteInfo): void => {
    try {
      if (!isQueryForUs(packet, this.self, this.ttlSec)) return;
      if (rinfo.port !== (this.socketOptions.port ?? MDNS_PORT)) this.answerLegacy(packet, rinfo);
      else this.announce();
    } catch (e) {
      this.warn(new LanmeshError('BAD_MESSAGE', `mdns query from ${rinfo?.address}:${rinfo?.port}: ${describeError(e)}`, { cause: e }));
    }
  };

  private readonly onResponse = (packet: Packet, rinfo: RemoteInfo): void => {
    const from = `${rinfo?.address}:${rinfo?.port}`;
    try {
      const reject = (reason: string) => this.warn(new LanmeshError('BAD_MESSAGE', `mdns response from ${from}: ${reason}`));
      for (const { info, ttlSec } of parseAnnouncements(packet, rinfo, reject)) {
        if (info.id === this.self.id) this.checkIdConflict(info.ports.sender, from);
        // Another mesh (or an open peer seen from a private one, and the reverse): skipped without a word.
        else if (info.mesh === this.self.mesh) this.intake.apply(info, ttlSec, from);
      }
    } catch (e) {
      this.warn(new LanmeshError('BAD_MESSAGE', `mdns response from ${from}: ${describeError(e)}`, { cause: e }));
    }
  };

  /** Our own packets loop back and are ignored; our id with other ports means a copied .lanmesh/. */
  private checkIdConflict(senderPort: number, from: string): void {
    if (senderPort === this.self.ports.sender || this.warnedIdConflict) return;
    this.warnedIdConflict = true;
    this.warn(new LanmeshError('BAD_MESSAGE', `another peer at ${from} announces our peer id ${this.self.id}`));
  }

  private readonly onMdnsWarning = (err: Error): void => {
    const code = (err as NodeJS.ErrnoException).code ? 'IO' : 'BAD_MESSAGE';
    this.warn(new LanmeshError(code, `mdns: ${err.message}`, { cause: err }));
  };

  private onMdnsError(err: Error, where: string): void {
    const code = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'PORT_IN_USE' : 'IO';
    const e = new LanmeshError(code, `mdns socket ${where}: ${err.message}`, { cause: err });
    if (this.rejectStart) {
      const reject = this.rejectStart;
      const mdns = this.mdns;
      this.rejectStart = undefined;
      this.mdns = undefined;
      try {
        mdns?.destroy();
      } catch {
        // A socket whose bind failed may already be closed: nothing left to release.
      }
      reject(e);
    } else if (this.listenerCount('error') > 0) {
      this.emit('error', e);
    } else {
      this.warn(e);
    }
  }

  private readonly onSent = (err: Error | null): void => {
    if (err) this.warn(new LanmeshError('IO', `mdns send: ${err.message}`, { cause: err }));
  };

  private warn(e: LanmeshError): void {
    log('%s', e.message);
    this.emit('warning', e);
  }

  private currentAddresses(): string[] {
    try {
      return this.addresses();
    } catch (e) {
      this.warn(new LanmeshError('IO', `cannot list addresses: ${describeError(e)}`, { cause: e }));
      return [];
    }
  }
}
