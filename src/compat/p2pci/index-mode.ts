// A peer's P2P-CI index mode (`--index HOST[:PORT]`), owned by the peer: the RFCs its folder offers,
// GET on the sender port, the registration with the index server, and the index-mode commands
// (LIST ALL; LOOKUP + GET into downloads/).
import type { Socket } from 'node:net';
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { RfcRecord } from './codec.js';
import { RfcCatalog, type LocalFileRef } from './rfc-catalog.js';
import { handleUploadConnection, type UploadOutcome } from './upload.js';
import { downloadRfc, type RfcDownloadResult } from './download.js';
import { IndexSession, type IndexStatus } from './index-session.js';
import { LanmeshError, describeError } from '../../errors.js';
import { logger } from '../../log.js';

const log = logger('p2pci');

/** What the CLI's index flags carry. */
export interface IndexModeOptions {
  /** The index server. */
  host: string;
  port?: number;
  /** `Host:` in our records (default: our address as the server sees it). */
  advertiseHost?: string;
  /** Advertise only these RFC numbers. */
  rfcs?: readonly number[];
}

/** A complete local file as the store lists it (structurally the store's LocalFile). */
export interface OfferedFile {
  path: string;
  relPath: string;
  origin: 'shared' | 'downloads';
  mtimeMs: number;
  manifest: { size: number };
}

export interface IndexModeInit extends IndexModeOptions {
  /** The peer folder: downloads/ and .lanmesh/partial/ live there. */
  dir: string;
  /** The peer's complete files, read at start and on every refresh(). */
  files: () => readonly OfferedFile[];
  onWarning?: (message: string) => void;
  /** Things worth a line that are not problems (a record registered, an upload served). */
  onNotice?: (message: string) => void;
  reconnectMs?: readonly number[];
  /** Connect and idle timeout of a GET from a holder. */
  fetchTimeoutMs?: number;
}

export interface IndexListing {
  status: IndexStatus;
  records: RfcRecord[];
}

/** Temp files of index-mode downloads: `p2pci-rfc<n>-<12 hex>.part` (download.ts). */
const PART_RE = /^p2pci-rfc\d+-[0-9a-f]{12}\.part$/;

export class IndexMode {
  readonly catalog: RfcCatalog;
  private session: IndexSession | undefined;
  private readonly ac = new AbortController();
  private readonly inflight = new Set<Promise<unknown>>();
  private refreshing: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(private readonly init: IndexModeInit) {
    this.catalog = new RfcCatalog({ only: init.rfcs });
  }

  private get partialDir(): string {
    return join(this.init.dir, '.lanmesh', 'partial');
  }

  /** The sender port's hook for a connection whose first bytes are `GET `. Never throws. */
  serve(socket: Socket, initial: Buffer): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.track(handleUploadConnection(socket, initial, this.catalog, { signal: this.ac.signal }).then((o) => this.report(o)));
  }

  /** Reads the folder's RFCs, connects to the index and ADDs them; rejects when the index is unreachable. */
  async start(uploadPort: number): Promise<void> {
    if (this.session) return;
    await this.removeStaleParts();
    await this.catalog.update(this.localRefs());
    const session = new IndexSession({
      host: this.init.host,
      port: this.init.port,
      uploadPort,
      advertiseHost: this.init.advertiseHost,
      offered: () => this.catalog.list(),
      reconnectMs: this.init.reconnectMs,
    });
    session.on('warning', (m) => this.init.onWarning?.(m));
    session.on('notice', (m) => this.init.onNotice?.(m));
    this.session = session;
    await session.start();
  }

  /** Re-reads the offered files (call on every store change) and ADDs the new RFCs. */
  refresh(): Promise<void> {
    if (this.closing) return Promise.resolve();
    const run = this.refreshing.then(async () => {
      await this.catalog.update(this.localRefs());
      await this.session?.sync();
    });
    this.refreshing = run.catch((err: unknown) => this.init.onWarning?.(`p2pci: cannot refresh the RFC list: ${describeError(err)}`));
    return this.refreshing;
  }

  status(): IndexStatus | undefined {
    return this.session?.status();
  }

  /** LIST ALL from the index server. */
  async list(): Promise<IndexListing> {
    const client = this.connected();
    const records = await this.run(client.listAll());
    return { status: this.session!.status(), records };
  }

  /** LOOKUP, then GET from each holder in turn; the file lands in downloads/rfc<n>.txt. */
  download(rfc: number): Promise<RfcDownloadResult> {
    const mine = this.catalog.list().find((e) => e.rfc === rfc);
    if (mine) return Promise.reject(new LanmeshError('BAD_COMMAND', `RFC ${rfc} is already here (${mine.name})`));
    const client = this.connected();
    return this.run(
      downloadRfc(client, rfc, {
        downloadsDir: join(this.init.dir, 'downloads'),
        partialDir: this.partialDir,
        signal: this.ac.signal,
        timeoutMs: this.init.fetchTimeoutMs,
        onAttempt: (h, e) => this.init.onWarning?.(`RFC ${rfc} from ${h.host}:${h.port} failed (${describeError(e)}); trying the next holder`),
        // The file's own first line may not be its title: register it as its holder listed it.
        onSaved: (saved) => this.catalog.rememberTitle(rfc, saved.path, saved.bytes, saved.title),
      }).then((saved) => {
        for (const w of saved.warnings) this.init.onWarning?.(w);
        return saved;
      }),
    );
  }

  /** Idempotent: aborts downloads and uploads, leaves the index, resolves when all of it is gone. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.ac.abort();
      await this.session?.close();
      await Promise.allSettled([...this.inflight, this.refreshing]);
    })();
    return this.closing;
  }

  private connected() {
    if (!this.session || this.closing) throw new LanmeshError('CONNECTION_CLOSED', 'index mode is not running');
    return this.session.connection();
  }

  private run<T>(p: Promise<T>): Promise<T> {
    this.track(p);
    return p;
  }

  private track(p: Promise<unknown>): void {
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.inflight.add(settled);
    void settled.then(() => this.inflight.delete(settled));
  }

  /** shared/ before downloads/ (the first file of a number is the one offered), then by name. */
  private localRefs(): LocalFileRef[] {
    const rank = (f: OfferedFile) => (f.origin === 'shared' ? 0 : 1);
    return [...this.init.files()]
      .sort((a, b) => rank(a) - rank(b) || (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0))
      .map((f) => ({ name: f.relPath, path: f.path, size: f.manifest.size, mtimeMs: f.mtimeMs }));
  }

  private report(o: UploadOutcome): void {
    if (o.code === 200 && !o.reason) {
      this.init.onNotice?.(`p2pci: sent RFC ${o.rfc} (${o.bytes} bytes) to ${o.remote}`);
    } else if (o.code === 200) {
      this.init.onWarning?.(`p2pci: RFC ${o.rfc} to ${o.remote}: ${o.reason}`);
    } else if (o.code !== 0) {
      this.init.onNotice?.(`p2pci: GET from ${o.remote} answered ${o.code} (${o.reason ?? 'refused'})`);
    } else {
      log('upload connection from %s ended without an answer: %s', o.remote, o.reason);
    }
  }

  /** Temp files a crash left behind; nothing else in .lanmesh/partial/ is touched. */
  private async removeStaleParts(): Promise<void> {
    const names = await readdir(this.partialDir).catch(() => [] as string[]);
    for (const n of names) if (PART_RE.test(n)) await unlink(join(this.partialDir, n)).catch(() => {});
  }
}
