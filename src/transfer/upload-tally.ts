// What a seeder tells its user about its uploads: one live row per (requester, file) while the
// requester's control connection is open, and one "sent" report when that connection closes (the
// requester's download ended or moved on). Counts only the bytes this peer sent. Batches of small
// files (files.get: a folder, or small downloads asked for at once) count as one row per session,
// "N files", not a row per file.
import { EventEmitter } from 'node:events';
import type { FileId } from '../types.js';
import { RateMeter } from './rate-meter.js';

export interface UploadRow {
  key: string;
  id: FileId;
  name: string;
  /** The requester: its peer name, or address:port when it is not in the peer table. */
  to: string;
  /** Bytes this peer sent of the file to that requester. */
  bytes: number;
  size: number;
  /** Recent bytes per second. */
  rate: number;
}

export interface UploadDone {
  id: FileId;
  name: string;
  to: string;
  bytes: number;
  size: number;
  chunks: number;
  ms: number;
}

export type UploadEvent = { type: 'rows'; rows: UploadRow[] } | { type: 'done'; done: UploadDone };

export interface UploadTallyInit {
  /** Name and size of a file this peer serves. */
  file: (id: FileId) => { name: string; size: number } | undefined;
  /** Who asks from `address`, whose receiver port is `port`. */
  requester: (address: string, port: number) => string | undefined;
  /** How often live rows are reported while bytes flow (default 500 ms). */
  everyMs?: number;
  now?: () => number;
}

interface Tally {
  row: Omit<UploadRow, 'rate'>;
  meter: RateMeter;
  chunks: number;
  since: number;
  /** A session's files.get batches: named by the count of files sent. */
  batch?: true;
}

export class UploadTally extends EventEmitter<{ upload: [UploadEvent] }> {
  /** Per control connection (the requester's session to this seeder), per file. */
  private readonly bySession = new Map<object, Map<FileId, Tally>>();
  private readonly byToken = new Map<string, Tally>();
  private readonly tokensOf = new Map<object, string[]>();
  /** Per session: every files.get batch it asked for, as one tally. */
  private readonly batchOf = new Map<object, Tally>();
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  /** The last report showed nothing moving. */
  private reportedIdle = false;
  private nextKey = 1;
  private readonly now: () => number;

  constructor(private readonly init: UploadTallyInit) {
    super();
    this.now = init.now ?? Date.now;
  }

  /** A chunks.get accepted on `session` (its control connection) for file `id`, tagged `token`. */
  begin(session: object, token: string, id: FileId, address: string, port: number): void {
    let files = this.bySession.get(session);
    if (!files) this.bySession.set(session, (files = new Map()));
    let t = files.get(id);
    if (!t) {
      const f = this.init.file(id);
      t = this.tally(id, f?.name ?? id.slice(0, 12), f?.size ?? 0, address, port);
      files.set(id, t);
    }
    this.track(session, token, t);
  }

  /** A files.get batch of `ids` accepted on `session`, tagged `token`: counted into the session's one batch row. */
  beginFiles(session: object, token: string, ids: readonly FileId[], address: string, port: number): void {
    let t = this.batchOf.get(session);
    if (!t) {
      t = { ...this.tally(ids[0]!, 'files', 0, address, port), batch: true };
      this.batchOf.set(session, t);
    }
    for (const id of ids) t.row.size += this.init.file(id)?.size ?? 0;
    this.track(session, token, t);
  }

  /** A chunk of request `token` left this peer. */
  sent(token: string, bytes: number): void {
    const t = this.byToken.get(token);
    if (!t) return;
    t.row.bytes += bytes;
    t.chunks++;
    t.meter.add(bytes);
    this.dirty = true;
    this.timer ??= setInterval(() => this.tick(), this.init.everyMs ?? 500).unref();
  }

  /** The session's connection closed: report what it was sent (files it got no byte of stay silent). */
  end(session: object): void {
    const files = this.bySession.get(session);
    const batch = this.batchOf.get(session);
    if (!files && !batch) return;
    this.bySession.delete(session);
    this.batchOf.delete(session);
    for (const token of this.tokensOf.get(session) ?? []) this.byToken.delete(token);
    this.tokensOf.delete(session);
    for (const t of [...(files?.values() ?? []), ...(batch ? [batch] : [])]) {
      if (t.row.bytes === 0) continue;
      const { id, to, bytes, size } = t.row;
      this.emit('upload', { type: 'done', done: { id, name: nameOf(t), to, bytes, size, chunks: t.chunks, ms: this.now() - t.since } });
    }
    this.dirty = true;
    this.tick();
  }

  /** Uploads with bytes sent whose requester is still connected. */
  rows(): UploadRow[] {
    const out: UploadRow[] = [];
    for (const files of this.bySession.values()) {
      for (const t of files.values()) if (t.row.bytes > 0) out.push({ ...t.row, rate: t.meter.rate() });
    }
    for (const t of this.batchOf.values()) if (t.row.bytes > 0) out.push({ ...t.row, name: nameOf(t), rate: t.meter.rate() });
    return out;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.bySession.clear();
    this.byToken.clear();
    this.tokensOf.clear();
    this.batchOf.clear();
  }

  private tally(id: FileId, name: string, size: number, address: string, port: number): Tally {
    const to = this.init.requester(address, port) ?? `${address}:${port}`;
    return { row: { key: `u${this.nextKey++}`, id, name, size, to, bytes: 0 }, meter: new RateMeter(this.now), chunks: 0, since: this.now() };
  }

  /** Bytes sent under `token` count for `t`; the token is forgotten with its session. */
  private track(session: object, token: string, t: Tally): void {
    this.byToken.set(token, t);
    const tokens = this.tokensOf.get(session) ?? [];
    tokens.push(token);
    this.tokensOf.set(session, tokens);
  }

  private tick(): void {
    const rows = this.rows();
    const idle = rows.every((r) => r.rate === 0);
    if (!this.dirty && idle && this.reportedIdle) {
      // Nothing moved since a report that said so: no timer until the next chunk.
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    this.dirty = false;
    this.reportedIdle = idle;
    this.emit('upload', { type: 'rows', rows });
  }
}

/** A batch row is named by the files sent so far (each small file is one chunk). */
function nameOf(t: Tally): string {
  return t.batch ? `${t.chunks} file${t.chunks === 1 ? '' : 's'}` : t.row.name;
}
