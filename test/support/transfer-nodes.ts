// Three or so in-process peers on 127.0.0.1 for transfer tests (no discovery: catalogs are handed over
// directly): a store, a transfer service, a sender port (optionally serving through a hostile chunk source).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStore } from '../../src/store/local-store.js';
import { Catalog, type PeerReach } from '../../src/catalog/catalog.js';
import { SenderPort, type RequestHandler } from '../../src/transfer/sender.js';
import { TransferService, type DownloadEvent, type DownloadSummary } from '../../src/transfer/transfer-service.js';
import { UploadManager, type ChunkSource } from '../../src/transfer/upload.js';
import { chunkRequestHandler } from '../../src/transfer/chunk-requests.js';
import { asPeerId, type PeerId } from '../../src/types.js';
import { makeTmpDir } from './tmp-dir.js';

export const CS = 64 * 1024;
export const HOST = '127.0.0.1';
export const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface Node {
  id: PeerId;
  name: string;
  dir: string;
  store: LocalStore;
  transfer: TransferService;
  sender: SenderPort;
  receiverPort: number;
  catalog: Catalog;
  warnings: string[];
  close(): Promise<void>;
}

export interface NodeOpts {
  files?: Record<string, Buffer>;
  /** Replaces the chunk source the sender port serves from (a hostile seeder). */
  serve?: (real: ChunkSource) => ChunkSource;
  window?: number;
  stallMs?: number;
  maxStrikes?: number;
  uploadSlots?: number;
}

export async function makeNode(root: string, name: string, opts: NodeOpts = {}): Promise<Node> {
  const dir = join(root, name);
  await mkdir(join(dir, 'shared'), { recursive: true });
  for (const [file, bytes] of Object.entries(opts.files ?? {})) await writeFile(join(dir, 'shared', file), bytes);
  const store = await LocalStore.open({ dir, chunkSize: CS, pollMs: 0, settleMs: 0 });
  await store.start();
  const id = asPeerId(randomBytes(8).toString('hex'));
  const warnings: string[] = [];
  const onWarning = (m: string) => warnings.push(m);
  const catalog = new Catalog({ id, name });
  const transfer = new TransferService({ store, peerId: id, catalog, onWarning, window: opts.window, stallMs: opts.stallMs, maxStrikes: opts.maxStrikes, uploadSlots: opts.uploadSlots });
  const receiver = await transfer.listen(0, HOST);
  let handlers: RequestHandler[] = transfer.senderHandlers;
  let extra: UploadManager | undefined;
  if (opts.serve) {
    const source = opts.serve(transfer.source);
    extra = new UploadManager({ selfId: id, source, onWarning });
    handlers = [chunkRequestHandler(extra, source)];
  }
  const sender = await SenderPort.start({ port: 0, host: HOST, source: transfer.source, handlers, onWarning });
  return {
    id, name, dir, store, transfer, sender, receiverPort: receiver.port, catalog, warnings,
    async close() {
      extra?.close();
      await sender.close();
      await transfer.close();
      await store.close();
    },
  };
}

/**
 * Every node learns every other node's offer now and whenever it changes (what catalog sync does).
 * `quiet` nodes can be dialled but publish nothing: a test writes their catalog entries itself.
 */
export async function wire(nodes: Node[], quiet: Node[] = []): Promise<void> {
  const publish = (n: Node) => {
    n.catalog.setLocal(n.transfer.source.entries());
    for (const o of nodes) if (o !== n) o.catalog.setRemote(n.id, n.name, n.transfer.source.entries());
  };
  for (const n of nodes) {
    n.transfer.on('change', () => publish(n));
    n.store.on('change', () => publish(n));
    publish(n);
  }
  // Where each one answers, as catalog sync would record it.
  for (const n of nodes) for (const o of [...nodes, ...quiet]) if (o !== n) n.catalog.locate(o.id, reachOf(o));
}

/** Where a node answers, as catalog sync records it in the catalog (removePeer forgets it). */
export function reachOf(n: Node): PeerReach {
  return { name: n.name, address: HOST, ports: { receiver: n.receiverPort, sender: n.sender.port, distributor: 1, distributee: 1 } };
}

type EventOf<T extends DownloadEvent['type']> = Extract<DownloadEvent, { type: T }>;

/** Calls `fn` for every download event of one type (a test's view of the one `download` union). */
export function onDownload<T extends DownloadEvent['type']>(t: TransferService, type: T, fn: (e: EventOf<T>) => void): () => void {
  const listener = (e: DownloadEvent) => {
    if (e.type === type) fn(e as EventOf<T>);
  };
  t.on('download', listener);
  return () => t.off('download', listener);
}

/** The next download event of one type. */
export function nextDownload<T extends DownloadEvent['type']>(t: TransferService, type: T): Promise<EventOf<T>> {
  return new Promise((resolve) => {
    const off = onDownload(t, type, (e) => {
      off();
      resolve(e);
    });
  });
}

export function done(n: Node): Promise<DownloadSummary> {
  return new Promise((resolve, reject) => {
    const off = onDownload(n.transfer, 'done', (e) => {
      off();
      offFailed();
      resolve(e.summary);
    });
    const offFailed = onDownload(n.transfer, 'failed', (e) => {
      off();
      offFailed();
      reject(new Error(e.failure.error));
    });
  });
}

export async function withNodes(fn: (root: string) => Promise<void>): Promise<void> {
  const tmp = await makeTmpDir();
  try {
    await fn(tmp.path);
  } finally {
    await tmp.remove();
  }
}
