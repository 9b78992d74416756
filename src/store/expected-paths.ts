// Paths where a file is about to appear that its producer will index itself (a finished download
// placed under downloads/, then offered with addFile): scans and watch events leave them alone
// meanwhile instead of hashing them again. An entry lapses after ttlMs.
import { resolve } from 'node:path';

export class ExpectedPaths {
  private readonly until = new Map<string, number>();

  constructor(private readonly ttlMs: number) {}

  add(path: string): void {
    this.until.set(resolve(path), Date.now() + this.ttlMs);
  }

  /** The producer is done with it (indexed, or gave up). */
  done(path: string): void {
    this.until.delete(path);
  }

  has(path: string): boolean {
    const t = this.until.get(path);
    if (t === undefined) return false;
    if (t >= Date.now()) return true;
    this.until.delete(path);
    return false;
  }
}
