// Push as one service of the peer: owns the distributor (T+2) and distributee (T+3) ports, starts the
// pushes this peer originates (PushRun) and takes the ones others send (DistributeePort). Built from
// its dependencies only: the store, the catalog, the transfer hook and the peer table.
import { EventEmitter } from 'node:events';
import type { Catalog } from '../catalog/catalog.js';
import type { LocalStore } from '../store/local-store.js';
import type { TransferService, DownloadEvent } from '../transfer/transfer-service.js';
import { resolveFile } from '../transfer/resolve.js';
import type { FileId, PeerId, PortSet } from '../types.js';
import { LanmeshError } from '../errors.js';
import type { SocketSecurity } from '../wire/secure-socket.js';
import { DistributorPort } from './distributor.js';
import { DistributeePort, type AcceptPolicy, type PushQuestion, type PushQuestionEnd } from './distributee.js';
import { PushRun, type PushTarget } from './push-run.js';
import type { PushRow, PushStart, PushSummary } from './push-types.js';

export type * from './push-types.js';
export type { AcceptPolicy, PushQuestion, PushQuestionEnd } from './distributee.js';

export interface PushPeer {
  id: PeerId;
  name: string;
  address: string;
  ports: PortSet;
  /** A one-shot command passing through: it may push to us, but is never pushed to. */
  transient?: boolean;
}

export interface PushServiceInit {
  self: PeerId;
  dir: string;
  host: string;
  /** T+2 and T+3 (0: ephemeral). */
  distributorPort: number;
  distributeePort: number;
  store: Pick<LocalStore, 'byId' | 'readChunk'>;
  transfer: Pick<TransferService, 'pushed' | 'on' | 'off'>;
  /** Late-bound: the catalog and the peer table exist once the peer runs. */
  catalog(): Catalog;
  peers(): PushPeer[];
  accept?: AcceptPolicy;
  /** How long an `ask` offer waits for an answer (default 60 s). */
  askTimeoutMs?: number;
  /** `ask`: puts the question to the user; false when nobody can answer (refused at once). */
  ask?(q: PushQuestion): boolean;
  asked?(end: PushQuestionEnd): void;
  onWarning(msg: string): void;
  onNotice(msg: string): void;
  /** What both ports and every push dial speak (a private mesh's TLS-PSK; default plain TCP). */
  security?: SocketSecurity;
}

export interface PushEvents {
  'push:start': [PushStart];
  'push:progress': [{ id: FileId; name: string; rows: PushRow[] }];
  'push:recipient': [{ id: FileId; name: string; row: PushRow }];
  'push:covered': [{ id: FileId; name: string }];
  'push:done': [PushSummary];
}

export const PUSH_EVENTS = ['push:start', 'push:progress', 'push:recipient', 'push:covered', 'push:done'] as const;

export class PushService extends EventEmitter<PushEvents> {
  private distributor!: DistributorPort;
  private distributee!: DistributeePort;
  private readonly runs = new Map<string, PushRun>();
  private closed = false;

  private constructor(private readonly init: PushServiceInit) {
    super();
  }

  /** Binds both ports; on failure nothing stays bound. */
  static async start(init: PushServiceInit): Promise<PushService> {
    const svc = new PushService(init);
    svc.distributor = await DistributorPort.start(init.distributorPort, init.host, (m, a, reply) => svc.runs.get(m.push)?.report(m, a, reply), init.onWarning, init.security);
    try {
      svc.distributee = await DistributeePort.start(init.distributeePort, init.host, {
        selfId: init.self,
        dir: init.dir,
        holds: (id) => init.store.byId(id) !== undefined,
        policy: init.accept ?? 'all',
        askTimeoutMs: init.askTimeoutMs,
        ask: init.ask,
        asked: init.asked,
        originName: (peer, address) => init.peers().find((p) => p.id === peer && p.address === address)?.name,
        startPushed: (m, origin) => init.transfer.pushed(m, origin),
        onWarning: init.onWarning,
        onNotice: init.onNotice,
        security: init.security,
      });
    } catch (e) {
      await svc.distributor.close();
      throw e;
    }
    init.transfer.on('download', svc.onDownload);
    return svc;
  }

  get ports(): { distributor: number; distributee: number } {
    return { distributor: this.distributor.port, distributee: this.distributee.port };
  }

  /** Pushes a file this peer holds to every peer on the mesh, or to those `to` names (name or id prefix). */
  distribute(query: string, to?: string[]): PushStart {
    if (this.closed) throw new LanmeshError('IO', 'the push service is stopping');
    const file = resolveFile(this.init.catalog(), query);
    const local = this.init.store.byId(file.id);
    if (!local) throw new LanmeshError('BAD_COMMAND', `${file.names[0]} is not held here: only a file this peer has can be pushed`);
    if ([...this.runs.values()].some((r) => r.id === file.id)) throw new LanmeshError('BAD_COMMAND', `${file.names[0]} is being pushed already`);
    const everyone = this.init.peers().filter((p) => !p.transient);
    const chosen = to && to.length > 0 ? pick(everyone, to) : everyone;
    if (chosen.length === 0) throw new LanmeshError('BAD_COMMAND', 'no peer to push to (see peers)');
    const manifest = local.manifest;
    const targets: PushTarget[] = chosen.map((p) => ({ peer: p.id, name: p.name, address: p.address, port: p.ports.distributee }));
    const run = new PushRun({
      manifest,
      self: this.init.self,
      distributorPort: this.distributor.port,
      targets,
      readChunk: (i) => this.init.store.readChunk(manifest.id, i),
      onWarning: this.init.onWarning,
      security: this.init.security,
    });
    const base = { id: manifest.id, name: manifest.name };
    const known = new Set(everyone.map((p) => p.id));
    this.runs.set(run.tokenHex, run);
    run.on('rows', (rows) => this.emit('push:progress', { ...base, rows }));
    run.on('recipient', (row) => this.emit('push:recipient', { ...base, row }));
    run.on('covered', () => this.emit('push:covered', base));
    run.on('done', (summary) => {
      this.runs.delete(run.tokenHex);
      const late = this.init.peers().filter((p) => !p.transient && !known.has(p.id)).map((p) => p.name);
      this.emit('push:done', late.length > 0 ? { ...summary, late } : summary);
    });
    const start: PushStart = { ...base, size: manifest.size, recipients: chosen.map((p) => p.name) };
    this.emit('push:start', start);
    void run.start();
    return start;
  }

  /** Discovery says a peer left: a recipient of ours is gone, an origin of a push here is gone. */
  peerDown(peer: PeerId): void {
    for (const run of this.runs.values()) run.gone(peer, 'it left the mesh');
    this.distributee.originGone(peer);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.init.transfer.off('download', this.onDownload);
    for (const run of this.runs.values()) run.close();
    this.runs.clear();
    await this.distributee.close();
    await this.distributor.close();
  }

  private readonly onDownload = (e: DownloadEvent): void => {
    if (e.type === 'done') this.distributee.finished(e.summary.id, true);
    else if (e.type === 'failed') this.distributee.finished(e.failure.id, false);
  };
}

/** The peers `words` name: an exact name, else an id prefix (4+ hex digits); an unknown word is an error. */
function pick(peers: PushPeer[], words: string[]): PushPeer[] {
  const out = new Map<PeerId, PushPeer>();
  for (const w of words.map((x) => x.trim()).filter(Boolean)) {
    const byName = peers.filter((p) => p.name === w);
    const found = byName.length > 0 ? byName : /^[0-9a-f]{4,16}$/.test(w) ? peers.filter((p) => p.id.startsWith(w)) : [];
    if (found.length === 0) throw new LanmeshError('NOT_FOUND', `no peer '${w}' on the mesh (see peers)`);
    if (found.length > 1 && byName.length === 0) throw new LanmeshError('AMBIGUOUS', `'${w}' names ${found.length} peers; give more of the id`);
    for (const p of found) out.set(p.id, p);
  }
  return [...out.values()];
}
