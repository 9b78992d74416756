// The composition root: one object that owns everything a peer runs (store, four ports, transfers,
// discovery, catalog sync). start() brings it up in order; stop() undoes all of it in reverse.
import { EventEmitter } from 'node:events';
import { basename, resolve } from 'node:path';
import { LocalStore, type LocalFile } from './store/local-store.js';
import { loadOrCreatePeerId } from './store/peer-id.js';
import { MdnsDiscovery } from './discovery/mdns-discovery.js';
import type { RemotePeer } from './discovery/peer-table.js';
import { Catalog, type MeshFile } from './catalog/catalog.js';
import { CatalogSync, type FetchedCatalog } from './catalog/catalog-sync.js';
import { SenderPort } from './transfer/sender.js';
import { StubPort } from './transfer/stub-port.js';
import {
  TransferService, DOWNLOAD_EVENTS, type DownloadProgress, type DownloadStart, type WhereReport,
} from './transfer/transfer-service.js';
import { fetchCatalog } from './transfer/catalog-client.js';
import { IndexMode, type IndexModeOptions } from './compat/p2pci/index-mode.js';
import type { PeerId, PortSet } from './types.js';
import { LanmeshError, describeError } from './errors.js';
import { WarningGate } from './warning-gate.js';

export interface PeerInit {
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
  };
  /** false: start no discovery at all (P2P-CI index mode alone). Default true. */
  mdns?: boolean;
  /** P2P-CI/1.0 index mode: register RFC files with this index server and serve GET on the sender port. */
  index?: IndexModeOptions;
}

export interface PeerView {
  id: PeerId;
  name: string;
  address: string;
  ports: PortSet;
  /** Undefined until its catalog arrived. */
  files: number | undefined;
}

type Closer = () => Promise<void> | void;

export class Peer extends EventEmitter {
  private readonly closers: Closer[] = [];
  private stopping: Promise<void> | undefined;
  private discovery!: MdnsDiscovery;
  private store!: LocalStore;
  private compat: IndexMode | undefined;
  private readonly warnings = new WarningGate();
  /** Settles when the first index of the folder is done (the peer answers long before). */
  indexed: Promise<void> = Promise.resolve();
  private mdnsOn = false;
  private transfer!: TransferService;
  readonly catalog: Catalog;

  private constructor(
    readonly id: PeerId,
    readonly name: string,
    readonly dir: string,
    readonly ports: PortSet,
  ) {
    super();
    this.catalog = new Catalog({ id, name });
  }

  static async start(init: PeerInit): Promise<Peer> {
    const dir = resolve(init.dir);
    const name = (init.name ?? basename(dir)).trim() || 'lanmesh';
    const closers: Closer[] = [];
    const undo = async () => {
      for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => {});
    };
    try {
      const store = await LocalStore.open({ dir, chunkSize: init.chunkSize });
      closers.push(() => store.close());
      const id = await loadOrCreatePeerId(dir);
      const host = init.bindHost ?? '0.0.0.0';
      const base = init.port;
      const at = (i: number) => (base === 0 ? 0 : base + i);

      let peer: Peer | undefined;
      const compat = init.index && new IndexMode({
        ...init.index, dir, files: () => store.files(), onWarning: (m) => peer?.warn(m), onNotice: (m) => peer?.emit('notice', m),
      });
      const transfer = new TransferService({ store, peerId: id, onWarning: (m) => peer?.warn(m) });
      closers.push(() => transfer.close());
      const receiver = await transfer.listen(at(0), host);
      const sender = await SenderPort.start({
        port: at(1),
        host,
        source: transfer.source,
        handlers: transfer.senderHandlers,
        onWarning: (m) => peer?.warn(m),
        onP2pci: compat && ((s, first) => compat.serve(s, first)),
      });
      closers.push(() => sender.close());
      if (compat) closers.push(() => compat.close());
      const distributor = await StubPort.start(at(2), host, 'distributor');
      closers.push(() => distributor.close());
      const distributee = await StubPort.start(at(3), host, 'distributee');
      closers.push(() => distributee.close());
      const ports: PortSet = {
        receiver: receiver.port,
        sender: sender.port,
        distributor: distributor.port,
        distributee: distributee.port,
      };

      peer = new Peer(id, name, dir, ports);
      peer.store = store;
      peer.transfer = transfer;
      peer.compat = compat;
      peer.closers.push(...closers);
      closers.length = 0;
      await peer.startServices(init).catch(async (err: unknown) => {
        await peer!.stop();
        throw err;
      });
      return peer;
    } catch (err) {
      await undo();
      throw err;
    }
  }

  private async startServices(init: PeerInit): Promise<void> {
    const { store, transfer } = this;
    store.on('warning', (m: string) => this.warn(m));
    for (const ev of DOWNLOAD_EVENTS) transfer.on(ev, (x: unknown) => this.emit(ev, x));

    const discovery = new MdnsDiscovery({
      self: { id: this.id, name: this.name, ports: this.ports, rev: transfer.source.revision() },
      ttlSec: init.discovery?.ttlSec,
      announceIntervalMs: init.discovery?.announceIntervalMs,
      mdns: init.discovery?.mdns,
    });
    this.discovery = discovery;
    discovery.on('warning', (e: unknown) => this.warn(`mdns: ${describeError(e)}`));

    const sync = new CatalogSync(this.catalog, (pid, signal) => this.fetchCatalog(pid, signal), (m) => this.warn(m));
    this.closers.push(() => sync.close());

    const table = discovery.table;
    table.on('peer:up', (p: RemotePeer) => {
      sync.seen(p);
      this.emit('peer:up', p);
    });
    table.on('peer:update', (p: RemotePeer) => sync.seen(p));
    table.on('peer:down', (p: RemotePeer, reason: string) => {
      sync.gone(p.id);
      this.emit('peer:down', p, reason);
    });

    const publish = () => {
      this.catalog.setLocal(transfer.source.entries());
      discovery.update({ rev: transfer.source.revision() });
    };
    store.on('change', publish);
    transfer.on('change', publish);
    this.catalog.on('change', () => this.emit('catalog'));
    this.catalog.on('warning', (m) => this.warn(m));

    if (init.mdns !== false) {
      await discovery.start();
      this.closers.push(() => discovery.stop());
      this.mdnsOn = true;
    }
    transfer.attach({ catalog: this.catalog, lookup: (pid) => table.get(pid) });
    // Indexing a large folder takes a while; discovery and commands answer meanwhile.
    const indexing = store.start().then(publish);
    this.indexed = indexing.catch((err: unknown) => this.warn(`indexing ${this.dir} failed: ${describeError(err)}`));
    const compat = this.compat;
    if (compat) {
      // Index mode registers what the folder holds, so it waits for the index.
      await indexing;
      store.on('change', () => void compat.refresh());
      await compat.start(this.ports.sender);
    }
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

  private fetchCatalog(pid: PeerId, signal: AbortSignal): Promise<FetchedCatalog> {
    const remote = this.discovery.table.get(pid);
    if (!remote) return Promise.reject(new LanmeshError('NOT_FOUND', `peer ${pid} is gone`));
    return fetchCatalog({ id: pid, address: remote.address, senderPort: remote.ports.sender }, signal);
  }

  peers(): PeerView[] {
    return this.discovery.table
      .list()
      .map((p) => ({ id: p.id, name: p.name, address: p.address, ports: p.ports, files: this.catalog.fileCount(p.id) }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  files(): MeshFile[] {
    return this.catalog.files();
  }

  /** P2P-CI index mode, when started with `index`. */
  get p2pci(): IndexMode | undefined {
    return this.compat;
  }

  /** Whether mDNS discovery runs (PeerInit.mdns). */
  get discovering(): boolean {
    return this.mdnsOn;
  }

  /** Starts fetching a file (name or id prefix) from every holder; progress comes as download:* events. */
  download(query: string): Promise<DownloadStart> {
    return this.transfer.download(query);
  }

  /** Stops a download for good (its partial data deleted): it never resumes. */
  cancelDownload(query: string): ReturnType<TransferService['cancel']> {
    return this.transfer.cancel(query);
  }

  /** Resumes the partial downloads left in .lanmesh/ (call once listening to download:* events). */
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

  /** Idempotent: sends the mDNS goodbye, closes every port and the store. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const c of this.closers.splice(0).reverse()) {
        await Promise.resolve(c()).catch((e) => this.warn(`stop: ${describeError(e)}`));
      }
    })();
    return this.stopping;
  }
}
