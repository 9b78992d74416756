// The RFCs a peer offers over P2P-CI, built from its local files: the upload server's RfcSource
// and the list the index registration ADDs. Titles: the one a downloaded file was listed under,
// else from the file's name, else from the start of its text.
import { open } from 'node:fs/promises';
import { oneLine } from './codec.js';
import { parseRfcFileName, rfcTitle, TITLE_SCAN_BYTES } from './rfc-files.js';
import type { RfcFileInfo, RfcSource } from './upload.js';

/** One local file as the store knows it. */
export interface LocalFileRef {
  /** Name relative to shared/ or downloads/ (only the last segment is looked at). */
  name: string;
  /** Absolute path. */
  path: string;
  size: number;
  mtimeMs: number;
}

export interface RfcEntry extends RfcFileInfo {
  rfc: number;
  name: string;
}

export class RfcCatalog implements RfcSource {
  private readonly only: ReadonlySet<number> | undefined;
  private entries = new Map<number, RfcEntry>();
  private readonly titles = new Map<string, { size: number; mtimeMs: number; title: string }>();
  /** RFC number → the downloaded file and the title its holder listed it under (memory only). */
  private readonly listedTitles = new Map<number, { path: string; size: number; title: string }>();
  private updating: Promise<unknown> = Promise.resolve();

  /** `only`: advertise just these RFC numbers (the CLI's `--rfc N…`). */
  constructor({ only }: { only?: Iterable<number> } = {}) {
    this.only = only ? new Set(only) : undefined;
  }

  /**
   * Replaces the set with the RFC files among `files` (earlier files win when two hold the same
   * number: pass shared/ before downloads/). Resolves with the RFCs now offered, by number.
   */
  update(files: readonly LocalFileRef[]): Promise<RfcEntry[]> {
    const run = this.updating.then(() => this.rebuild(files));
    this.updating = run.catch(() => {});
    return run;
  }

  /**
   * The file at `path` (`size` bytes) was downloaded as RFC `rfc`, listed by its holder as `title`:
   * offer it under that title rather than one guessed from its text. Takes effect at the next update().
   */
  rememberTitle(rfc: number, path: string, size: number, title: string): void {
    const t = oneLine(title);
    if (t) this.listedTitles.set(rfc, { path, size, title: t });
    else this.listedTitles.delete(rfc);
  }

  list(): RfcEntry[] {
    return [...this.entries.values()].sort((a, b) => a.rfc - b.rfc);
  }

  async findRfc(n: number): Promise<RfcFileInfo | undefined> {
    const e = this.entries.get(n);
    return e && { path: e.path, size: e.size, mtimeMs: e.mtimeMs, title: e.title };
  }

  private async rebuild(files: readonly LocalFileRef[]): Promise<RfcEntry[]> {
    const next = new Map<number, RfcEntry>();
    for (const f of files) {
      const parsed = parseRfcFileName(f.name);
      if (!parsed || next.has(parsed.rfc) || (this.only && !this.only.has(parsed.rfc))) continue;
      const listed = this.listedTitles.get(parsed.rfc);
      const title =
        listed && listed.path === f.path && listed.size === f.size ? listed.title : (parsed.title ?? (await this.titleOf(f, parsed.rfc)));
      next.set(parsed.rfc, { rfc: parsed.rfc, name: f.name, path: f.path, size: f.size, mtimeMs: f.mtimeMs, title });
    }
    this.entries = next;
    for (const path of this.titles.keys()) if (!files.some((f) => f.path === path)) this.titles.delete(path);
    return this.list();
  }

  private async titleOf(f: LocalFileRef, rfc: number): Promise<string> {
    const cached = this.titles.get(f.path);
    if (cached && cached.size === f.size && cached.mtimeMs === f.mtimeMs) return cached.title;
    const title = rfcTitle({ rfc, title: undefined }, await readHead(f.path));
    this.titles.set(f.path, { size: f.size, mtimeMs: f.mtimeMs, title });
    return title;
  }
}

async function readHead(path: string): Promise<string | undefined> {
  try {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(TITLE_SCAN_BYTES);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      return buf.toString('utf8', 0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
}
