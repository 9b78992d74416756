// Three or so in-process peers on 127.0.0.1 for transfer tests (no discovery: catalogs are handed over
// directly): a store, a transfer service, a sender port (optionally serving through a hostile chunk source).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStore } from '../../src/store/local-store.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { SenderPort, type RequestHandler } from '../../src/transfer/sender.js';
import { TransferService, type DownloadSummary } from '../../src/transfer/transfer-service.js';
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
  const transfer = new TransferService({ store, peerId: id, onWarning, window: opts.window, stallMs: opts.stallMs, maxStrikes: opts.maxStrikes, uploadSlots: opts.uploadSlots });
  const receiver = await transfer.listen(0, HOST);
  let handlers: RequestHandler[] = transfer.senderHandlers;
  let extra: UploadManager | undefined;
  if (opts.serve) {
    const source = opts.serve(transfer.source);
    extra = new UploadManager({ selfId: id, source, onWarning });
    handlers = [chunkRequestHandler(extra, source)];
  }
  const sender = await SenderPort.start({ port: 0, host: HOST, source: transfer.source, handlers, onWarning });
  const catalog = new Catalog({ id, name });
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
  const byId = new Map([...nodes, ...quiet].map((n) => [n.id, n]));
  for (const n of nodes) {
    await n.transfer.attach({
      catalog: n.catalog,
      lookup: (pid) => {
        const o = byId.get(pid);
        return o && { name: o.name, address: HOST, ports: { receiver: o.receiverPort, sender: o.sender.port, distributor: 1, distributee: 1 } };
      },
    });
  }
}

export function done(n: Node): Promise<DownloadSummary> {
  return new Promise((resolve, reject) => {
    n.transfer.once('download:done', resolve);
    n.transfer.once('download:failed', (f) => reject(new Error(f.error)));
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
