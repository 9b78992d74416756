// Crash detection without multicast (records now live 75 min): every peer in the table gets a `hello`
// on its sender port every few seconds (static ones too: an mDNS record may hold them for 75 min).
// One that fails is probed once more a moment later (a cheap unicast check before removal, after the
// 1 s goodbye grace, so a peer that left cleanly goes as `goodbye`); failing again, it is dropped as
// expired, and `onLost` may ask the LAN once who is still there (so a peer dropped by mistake comes back).
import type { PeerId } from '../types.js';
import type { PeerTable, RemotePeer } from './peer-table.js';
import { probeHello } from './hello-probe.js';
import type { Service } from '../lifecycle.js';
import type { SocketSecurity } from '../wire/secure-socket.js';

export interface LivenessInit {
  table: PeerTable;
  onLost: (peer: RemotePeer) => void;
  /** Probe period (default 4 s), timeout of one probe (default 3 s) and the wait before the second
   *  probe (default 1.5 s, past the goodbye grace): a crash is seen in ≤ 11.5 s. */
  probeMs?: number;
  timeoutMs?: number;
  retryDelayMs?: number;
  /** How one peer is asked (default: hello on its sender port). */
  probe?: (peer: RemotePeer, timeoutMs: number, signal: AbortSignal) => Promise<unknown>;
  /** What the default probe speaks (a private mesh's TLS-PSK; default plain TCP). */
  security?: SocketSecurity;
}

export class PeerLiveness implements Service {
  readonly name = 'liveness';
  private timer: NodeJS.Timeout | undefined;
  private readonly busy = new Map<PeerId, AbortController>();
  private readonly probeMs: number;
  private readonly timeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly ask: NonNullable<LivenessInit['probe']>;

  constructor(private readonly init: LivenessInit) {
    this.probeMs = init.probeMs ?? 4000;
    this.timeoutMs = init.timeoutMs ?? 3000;
    this.retryDelayMs = init.retryDelayMs ?? 1500;
    this.ask = init.probe ?? ((p, ms, signal) => probeHello(p.address, p.ports.sender, undefined, ms, signal, init.security));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.round(), this.probeMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const ac of this.busy.values()) ac.abort();
    this.busy.clear();
  }

  private round(): void {
    for (const p of this.init.table.list()) {
      if (!this.busy.has(p.id)) void this.check(p);
    }
  }

  private async check(p: RemotePeer): Promise<void> {
    const ac = new AbortController();
    this.busy.set(p.id, ac);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        if (attempt > 0 && !(await pause(this.retryDelayMs, ac.signal))) return;
        try {
          await this.ask(p, this.timeoutMs, ac.signal);
          return;
        } catch {
          if (ac.signal.aborted) return;
        }
      }
      const now = this.init.table.get(p.id);
      // Heard from meanwhile (an announcement, another source), or moved: not ours to drop.
      if (!now || now.lastSeen !== p.lastSeen || now.address !== p.address) return;
      this.init.table.upsert(now, 0);
      this.init.table.expire();
      this.init.onLost(now);
    } finally {
      if (this.busy.get(p.id) === ac) this.busy.delete(p.id);
    }
  }
}

/** Resolves true after `ms`, false at once when aborted. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
