// Watches each folder the scanner walked (fs.watch is not recursive on Linux under Node 20) and turns
// bursts of events into one debounced callback; an unref'd poll is the backstop for missed events.
// The poll waits at least BACKSTOP_COST times as long as the last rescan took: a rescan lstats every
// file, and at a fixed 3 s a 20,000-file folder kept a quarter of a core busy while nothing changed.
import { watch, type FSWatcher } from 'node:fs';
import { join, sep } from 'node:path';
import { describeError } from '../errors.js';

export interface FolderWatchInit {
  /**
   * Something may have changed: rescan. `paths` are the entries the events named, when every event
   * of the burst named one (the caller may check just those); undefined: anything may have changed.
   */
  onChange: (paths?: string[]) => void;
  onWarning: (message: string) => void;
  debounceMs: number;
  /** Backstop poll period; 0 disables it. */
  pollMs: number;
}

/** Backstop rescans take at most 1/BACKSTOP_COST of the time. */
const BACKSTOP_COST = 50;

/** The wait before the next backstop rescan: `pollMs`, or longer when a rescan took `scanMs`. */
export function backstopDelay(pollMs: number, scanMs: number): number {
  return Math.max(pollMs, Math.round(Math.max(0, scanMs) * BACKSTOP_COST));
}

export class FolderWatch {
  private readonly watchers = new Map<string, FSWatcher>();
  /** Folders that could not be watched (warned once; the poll covers them). */
  private readonly unwatchable = new Set<string>();
  private debounce: NodeJS.Timeout | undefined;
  /** Entries named by the events of this burst; undefined once one event named nothing. */
  private named: Set<string> | undefined = new Set();
  private poll: NodeJS.Timeout | undefined;
  private pollDelay: number;
  private closed = false;

  constructor(private readonly init: FolderWatchInit) {
    this.pollDelay = init.pollMs;
    this.armPoll();
  }

  /** A rescan took `ms`: the backstop waits accordingly from its next round on. */
  scanTook(ms: number): void {
    this.pollDelay = backstopDelay(this.init.pollMs, ms);
  }

  /** The backstop's current period (ms; 0: no backstop). */
  get pollPeriod(): number {
    return this.init.pollMs > 0 ? this.pollDelay : 0;
  }

  private armPoll(): void {
    if (this.init.pollMs <= 0 || this.closed) return;
    this.poll = setTimeout(() => {
      this.poll = undefined;
      if (this.closed) return;
      this.init.onChange();
      this.armPoll();
    }, this.pollDelay).unref();
  }

  /** Starts watching `dir` (no-op when already watched). */
  add(dir: string): void {
    if (this.closed || this.watchers.has(dir) || this.unwatchable.has(dir)) return;
    try {
      // persistent: false, so a store left open never keeps the process alive.
      const w = watch(dir, { persistent: false }, (event, name) => {
        // A child renamed, deleted or made anew: a watch on it (or below) is now on a dead inode,
        // so drop it and let the rescan watch whatever folder is there now.
        if (event === 'rename' && name) this.dropTree(join(dir, name.toString()));
        this.kick(name ? join(dir, name.toString()) : undefined);
      });
      w.on('error', () => {
        this.drop(dir);
        this.kick(undefined);
      });
      this.watchers.set(dir, w);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.unwatchable.add(dir);
      this.init.onWarning(`cannot watch ${dir} (changes there show up at the next rescan, within ${Math.ceil(this.pollDelay / 1000)} s): ${describeError(e)}`);
    }
  }

  /** Stops watching folders that are no longer there. */
  retain(dirs: ReadonlySet<string>): void {
    for (const dir of this.watchers.keys()) if (!dirs.has(dir)) this.drop(dir);
    for (const dir of this.unwatchable) if (!dirs.has(dir)) this.unwatchable.delete(dir);
  }

  get watching(): number {
    return this.watchers.size;
  }

  private drop(dir: string): void {
    this.watchers.get(dir)?.close();
    this.watchers.delete(dir);
  }

  private dropTree(top: string): void {
    for (const dir of [...this.watchers.keys()]) if (dir === top || dir.startsWith(top + sep)) this.drop(dir);
  }

  private kick(path: string | undefined): void {
    if (this.closed) return;
    if (path === undefined) this.named = undefined;
    else this.named?.add(path);
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      const named = this.named;
      this.named = new Set();
      if (!this.closed) this.init.onChange(named && [...named]);
    }, this.init.debounceMs);
    this.debounce.unref();
  }

  /** Idempotent. */
  close(): void {
    this.closed = true;
    clearTimeout(this.debounce);
    clearTimeout(this.poll);
    for (const dir of [...this.watchers.keys()]) this.drop(dir);
  }
}
