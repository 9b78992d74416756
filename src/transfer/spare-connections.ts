// Control connections handed from one job to the next: the connection a manifest came over is kept
// for the download that follows, whose session to that holder takes it instead of dialling again.
// One per holder address and port; one not taken within KEEP_MS is closed; close() closes them all.
import type { FramedConnection } from '../wire/connection.js';

const KEEP_MS = 5000;

interface Spare {
  conn: FramedConnection;
  timer: NodeJS.Timeout;
}

export class SpareConnections {
  private readonly spares = new Map<string, Spare>();
  private closed = false;
  private taken = 0;

  /** Connections taken instead of dialled (for tests). */
  get reused(): number {
    return this.taken;
  }

  put(address: string, port: number, conn: FramedConnection): void {
    const key = `${address}|${port}`;
    if (this.closed || conn.isClosed) {
      conn.close();
      return;
    }
    this.drop(key);
    const timer = setTimeout(() => this.drop(key), KEEP_MS);
    timer.unref();
    this.spares.set(key, { conn, timer });
    conn.once('close', () => {
      if (this.spares.get(key)?.conn === conn) this.forget(key);
    });
  }

  /** The spare connection to that holder, now the caller's (who must close it), if one is open. */
  take(address: string, port: number): FramedConnection | undefined {
    const key = `${address}|${port}`;
    const s = this.spares.get(key);
    if (!s) return undefined;
    this.forget(key);
    if (s.conn.isClosed) return undefined;
    this.taken++;
    return s.conn;
  }

  close(): void {
    this.closed = true;
    for (const key of [...this.spares.keys()]) this.drop(key);
  }

  private forget(key: string): void {
    const s = this.spares.get(key);
    if (!s) return;
    clearTimeout(s.timer);
    this.spares.delete(key);
  }

  private drop(key: string): void {
    const s = this.spares.get(key);
    this.forget(key);
    s?.conn.close();
  }
}
