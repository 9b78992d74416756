// The composition root. Components first (store, peer id, events, catalog, the one peer table), then
// every service built from them in the constructor, started in one ordered list (rolled back in reverse
// when one fails) and stopped in reverse (docs/ARCHITECTURE.md "The peer: components, then services").
import { EventEmitter } from 'node:events';
import { basename, resolve } from 'node:path';
import { LocalStore, type LocalFile } from './store/local-store.js';
import { loadOrCreatePeerId } from './store/peer-id.js';
import { MdnsDiscovery } from './discovery/mdns-discovery.js';
import { PeerTable, type RemotePeer } from './discovery/peer-table.js';
import { StaticPeers, type StaticTargetView } from './discovery/static-peers.js';
import { PeerLiveness } from './discovery/liveness.js';
import { mergeEntries, parseStaticEntry, type StaticEntry } from './discovery/static-list.js';
import { readPeersFile } from './discovery/peers-file.js';
import { Catalog, type MeshFile } from './catalog/catalog.js';
import { CatalogSync } from './catalog/catalog-sync.js';
import { SenderPort } from './transfer/sender.js';
import { PUSH_EVENTS, type AcceptPolicy, type PushStart } from './push/push-service.js';
import type { MeshFolder } from './catalog/catalog.js';
import type { FolderWhere } from './transfer/folder-service.js';
import type { SharedFolder } from './transfer/share-folder.js';
import { TransferService, type DownloadProgress, type DownloadStart, type WhereReport } from './transfer/transfer-service.js';
import { fetchCatalog } from './transfer/catalog-client.js';
import { IndexMode, type IndexModeOptions } from './compat/p2pci/index-mode.js';
import type { PeerId, PortSet } from './types.js';
import { LanmeshError, describeError } from './errors.js';
import { WarningGate } from './warning-gate.js';
import { service, startAll, stopAll, type Service } from './lifecycle.js';
import { BoundPort, LateService } from './peer/bound-port.js';
import { PushStarter } from './peer/push-starter.js';
import { Indexer } from './peer/indexer.js';
import type { DownloadEvent } from './transfer/download-types.js';
import { OPEN_MESH, PrivateMesh, type SocketSecurity } from './wire/secure-socket.js';
import { deriveMeshKeys, type MeshKeys } from './wire/mesh-keys.js';
import { loadSecret } from './peer/secret.js';
import type { UploadEvent } from './transfer/upload-tally.js';

export interface PeerInit {
  /** A one-shot command's throwaway peer: announced as such, so other peers do not list it. */
  transient?: boolean;
  dir: string;
  /** T: receiver port; T+1..T+3 follow. 0 picks four ephemeral ports. */
  port: number;
  name?: string;
  /** Address the four ports bind to. */
  bindHost?: string;
  chunkSize?: number;
  discovery?: {
    ttlSec?: number;
    announceIntervalMs?: number;
    mdns?: { multicast?: boolean; ip?: string; port?: number; interface?: string };
    /** How often the peer table drops peers whose records ran out (default 500 ms). */
    sweepMs?: number;
    /** Static peers: probe period and how long one answer keeps a peer (defaults 4 s, 12 s). */
    probeMs?: number;
    staticTtlMs?: number;
  };
  /** Peers to probe over TCP (`--peer`, LANMESH_PEERS); `.lanmesh/peers.txt` is added at start. */
  staticPeers?: StaticEntry[];
  /** false: start no mDNS discovery. Default true. */
  mdns?: boolean;
  /** P2P-CI index mode: register RFC files with this index server and serve GET on the sender port. */
  index?: IndexModeOptions;
  /** Pushes from other peers: take them all (default) or none. */
  accept?: AcceptPolicy;
  /**
   * A private mesh's secret phrase (`--secret`, LANMESH_SECRET); without it `.lanmesh/secret` is read
   * if present. Set: every TCP connection is TLS-PSK and mDNS carries the mesh tag.
   */
  secret?: string;
  /** How long an `--accept ask` offer waits for an answer (default 60 s). */
  askTimeoutMs?: number;
}

export interface PeerView {
  id: PeerId;
  name: string;
  address: string;
  ports: PortSet;
  /** Undefined until its catalog arrived. */
  files: number | undefined;
  /** Found (also) by a static entry's hello probe, not only by mDNS. */
  static: boolean;
  /** A one-shot command passing through (announced role=oneshot); peers() leaves these out. */
  transient?: boolean;
}

const DEFAULT_SWEEP_MS = 500;

export class Peer extends EventEmitter {
  readonly catalog: Catalog;
  /** The one peer table: discovery sources write into it, the peer sweeps it. */
  private readonly table = new PeerTable();
  private readonly warnings = new WarningGate();
  private readonly transfer: TransferService;
  private readonly compat: IndexMode | undefined;
  private readonly tcpPorts: [BoundPort, BoundPort];
  private readonly push: PushStarter;
  private readonly mdns: LateService<MdnsDiscovery> | undefined;
  private readonly statics: StaticPeers;
  private readonly indexer: Indexer;
  /** What every connection speaks: plain TCP, or TLS-PSK on a private mesh. */
  private readonly security: SocketSecurity;
  /** In start order. */
  readonly services: readonly Service[];
  private started: Service[] = [];
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly id: PeerId,
    readonly name: string,
    private readonly store: LocalStore,
    init: PeerInit,
    staticEntries: StaticEntry[],
    keys: MeshKeys | undefined,
  ) {
    super();
    const warn = (m: string) => this.warn(m);
    // The one place that picks what the sockets speak; every listener and dial below is given it.
    const security = keys ? new PrivateMesh(keys, warn) : OPEN_MESH;
    this.security = security;
    this.catalog = new Catalog({ id, name });
    const host = init.bindHost ?? '0.0.0.0';
    const at = (i: number) => (init.port === 0 ? 0 : init.port + i);

    this.transfer = new TransferService({
      store, peerId: id, catalog: this.catalog, onWarning: warn, security,
      requesterName: (address, port) => this.table.list().find((p) => p.address === address && p.ports.receiver === port)?.name,
    });
    const transfer = this.transfer;
    const compat = init.index && new IndexMode({
      ...init.index, dir: store.dir, files: () => store.files(), onWarning: warn, onNotice: (m) => this.emit('notice', m),
    });
    this.compat = compat;
    this.statics = new StaticPeers({
      table: this.table,
      self: () => ({ id, name, ports: this.ports, rev: transfer.source.revision() }),
      entries: staticEntries,
      onWarning: warn,
      probeMs: init.discovery?.probeMs,
      ttlMs: init.discovery?.staticTtlMs,
      security,
    });
    const statics = this.statics;
    this.tcpPorts = [
      new BoundPort('receiver', async () => {
        const receiver = await transfer.listen(at(0), host);
        return { port: receiver.port, close: () => transfer.close() };
      }),
      new BoundPort('sender', () => SenderPort.start({
        port: at(1), host, source: transfer.source, handlers: [...transfer.senderHandlers, statics.handler], onWarning: warn, security,
        onP2pci: compat && ((s, first) => compat.serve(s, first)),
      })),
    ];
    // Push (T+2, T+3): both ports in one service; its events are forwarded once it is made.
    this.push = new PushStarter({
      self: id, dir: store.dir, host, distributorPort: at(2), distributeePort: at(3), store, transfer, accept: init.accept, askTimeoutMs: init.askTimeoutMs,
      // `--accept ask`: the question goes to whichever front end listens ('push:ask'); none, refused.
      ask: (q) => this.listenerCount('push:ask') > 0 && this.emit('push:ask', q),
      asked: (end) => this.emit('push:asked', end),
      catalog: () => this.catalog,
      // Every peer: a one-shot `lanmesh distribute` may push to us (push-service never pushes to one).
      peers: () => this.everyPeer(),
      onWarning: warn,
      onNotice: (m) => this.emit('notice', m),
      security,
    }, (push) => {
      for (const ev of PUSH_EVENTS) push.on(ev, (x: unknown) => this.emit(ev, x));
    });

    const sync = new CatalogSync(this.catalog, (pid, signal, t) => {
      if (t.address === undefined || !t.ports) return Promise.reject(new LanmeshError('NOT_FOUND', `no address for peer ${pid}`));
      return fetchCatalog({ id: pid, address: t.address, senderPort: t.ports.sender }, signal, security);
    }, warn);
    // peer:up / peer:down are about the peers peers() lists: one-shot commands passing through
    // (role=oneshot) are synced and served, but not announced to front ends.
    this.table.on('peer:up', (p: RemotePeer) => {
      sync.seen(p);
      if (!p.transient) this.emit('peer:up', p);
    });
    this.table.on('peer:update', (p: RemotePeer) => sync.seen(p));
    this.table.on('peer:down', (p: RemotePeer, reason: string) => {
      sync.gone(p.id);
      this.push.peerDown(p.id);
      if (!p.transient) this.emit('peer:down', p, reason);
    });

    this.mdns = init.mdns === false ? undefined : new LateService('mdns', () => {
      const d = new MdnsDiscovery({
        self: { id, name, ports: this.ports, rev: transfer.source.revision(), transient: init.transient, ...(keys ? { mesh: keys.tag } : {}) },
        table: this.table,
        ttlSec: init.discovery?.ttlSec,
        announceIntervalMs: init.discovery?.announceIntervalMs,
        mdns: init.discovery?.mdns,
      });
      d.on('warning', (e: unknown) => this.warn(`mdns: ${describeError(e)}`));
      return d;
    });

    const publish = () => {
      this.catalog.setLocal(transfer.source.entries());
      this.mdns?.current?.update({ rev: transfer.source.revision() });
    };
    store.on('warning', warn);
    store.on('change', publish);
    transfer.on('change', publish);
    transfer.on('download', (e: DownloadEvent) => this.emit('download', e));
    transfer.on('upload', (e: UploadEvent) => this.emit('upload', e));
    this.catalog.on('change', () => this.emit('catalog'));
    this.catalog.on('warning', warn);
    this.indexer = new Indexer(store, publish, (err) => this.warn(`indexing ${store.dir} failed: ${describeError(err)}`));

    let sweep: NodeJS.Timeout | undefined;
    const services: Service[] = [
      ...this.tcpPorts,
      this.push,
      service('catalog-sync', () => {}, () => sync.close()),
      service('peer-table', () => {
        sweep = setInterval(() => this.table.expire(), init.discovery?.sweepMs ?? DEFAULT_SWEEP_MS);
        sweep.unref();
      }, () => clearInterval(sweep)),
    ];
    if (this.mdns) services.push(this.mdns);
    services.push(statics, new PeerLiveness({
      table: this.table,
      onLost: () => this.mdns?.current?.refresh(),
      probeMs: init.discovery?.probeMs,
      security,
    }), this.indexer);
    if (compat) {
      services.push(service('index-mode', async () => {
        // Index mode registers what the folder holds, so it waits for the first index.
        await this.indexer.first;
        store.on('change', () => void compat.refresh());
        await compat.start(this.ports.sender);
      }, () => compat.close()));
    }
    this.services = services;
  }

  static async start(init: PeerInit): Promise<Peer> {
    const dir = resolve(init.dir);
    const name = (init.name ?? basename(dir)).trim() || 'lanmesh';
    const store = await LocalStore.open({ dir, chunkSize: init.chunkSize });
    try {
      const entries = mergeEntries(init.staticPeers ?? [], await readPeersFile(dir));
      const secret = await loadSecret(init.secret, dir);
      const peer = new Peer(await loadOrCreatePeerId(dir), name, store, init, entries, secret === undefined ? undefined : deriveMeshKeys(secret));
      peer.started = await startAll(peer.services, (m) => peer.warn(m));
      return peer;
    } catch (err) {
      await store.close().catch(() => {});
      throw err;
    }
  }

  get dir(): string {
    return this.store.dir;
  }

  /** The four bound ports (a running peer has them all). */
  get ports(): PortSet {
    const [r, s] = this.tcpPorts;
    return { receiver: r.port, sender: s.port, ...this.push.ports };
  }

  /** Settles when the first index of the folder is done (the peer answers long before). */
  get indexed(): Promise<void> {
    return this.indexer.settled;
  }

  /** Repeats of one warning are held back for a while; warnings before anyone listens are kept. */
  private warn(msg: string): void {
    if (!this.warnings.admit(msg)) return;
    if (this.listenerCount('warning') > 0) this.emit('warning', msg);
    else this.warnings.hold(msg);
  }

  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    super.on(event, listener);
    if (event === 'warning') for (const m of this.warnings.drain()) this.emit('warning', m);
    return this;
  }

  /** The other peers, without one-shot commands passing through (they still serve and fetch). */
  peers(): PeerView[] {
    return this.everyPeer().filter((p) => !p.transient);
  }

  private everyPeer(): PeerView[] {
    return this.table
      .list()
      .map((p) => ({
        id: p.id, name: p.name, address: p.address, ports: p.ports, files: this.catalog.fileCount(p.id), static: this.statics.isStatic(p.id),
        ...(p.transient ? { transient: true } : {}),
      }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  files(): MeshFile[] {
    return this.catalog.files();
  }

  /** Every folder on the mesh (a top-level folder of some peer's shared/ or downloads/), with its files. */
  folders(): MeshFolder[] {
    return this.catalog.folders();
  }

  /** `where` of a folder, or undefined when the word names a file, not a folder. */
  whereFolder(query: string): FolderWhere | undefined {
    return this.transfer.whereFolder(query);
  }

  /** `add-peer HOST:PORT`: probe that peer from now on (not written to peers.txt). */
  addPeer(text: string): StaticTargetView {
    return this.statics.add(parseStaticEntry(text, 'add-peer'));
  }

  /** `forget-peer HOST:PORT | name | id`: stop probing it; returns what was forgotten. */
  forgetPeer(word: string): StaticTargetView[] {
    return this.statics.forget(word);
  }

  /** The static entries and learned targets, with their last probe's result. */
  staticPeers(): StaticTargetView[] {
    return this.statics.list();
  }

  /** P2P-CI index mode, when started with `index`. */
  get p2pci(): IndexMode | undefined {
    return this.compat;
  }

  /** What this peer's connections speak (the doctor's hello probes use it too). */
  get socketSecurity(): SocketSecurity {
    return this.security;
  }

  /** True on a private mesh (a secret was given or found): every connection is TLS-PSK. */
  get isPrivate(): boolean {
    return this.security.isPrivate;
  }

  /** Whether mDNS discovery runs (PeerInit.mdns). */
  get discovering(): boolean {
    return this.mdns?.current !== undefined;
  }

  /** Starts fetching a file (name or id prefix) from every holder; progress comes as `download` events. */
  download(query: string): Promise<DownloadStart> {
    return this.transfer.download(query);
  }

  /** Pushes a file this peer holds to every peer, or to those named; progress comes as push:* events. */
  distribute(query: string, to?: string[]): PushStart {
    return this.push.distribute(query, to);
  }

  /** Stops a download for good (its partial data deleted): it never resumes. */
  cancelDownload(query: string): ReturnType<TransferService['cancel']> {
    return this.transfer.cancel(query);
  }

  /** Resumes the partial downloads left in .lanmesh/ (call once listening to `download` events). */
  async resumeDownloads(): Promise<void> {
    // A partial whose file is already in the folder must not be fetched again: know the folder first.
    await this.indexed;
    await this.transfer.resumePartials();
  }

  downloads(): DownloadProgress[] {
    return this.transfer.list();
  }

  /** Every holder of a file and which chunks each has. */
  where(query: string): WhereReport {
    return this.transfer.where(query);
  }

  /** Copies a file into shared/ and offers it at once. */
  share(path: string): Promise<{ file: LocalFile; copied: boolean }> {
    return this.transfer.share(path);
  }

  /** Copies a folder into shared/ (or indexes one inside shared/ or downloads/) and offers it at once. */
  shareFolder(path: string): Promise<SharedFolder> {
    return this.transfer.shareFolder(path);
  }

  /** Idempotent: stops every service in reverse (the mDNS goodbye goes first), then closes the store. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await stopAll(this.started.splice(0), (m) => this.warn(m));
      await this.store.close().catch((e: unknown) => this.warn(`stop store: ${describeError(e)}`));
    })();
    return this.stopping;
  }
}
