// Background timers owned by one service: all unref()'d, all cleared by one clear().
export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Runs fn once after ms (unless cleared first). */
  later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
    return t;
  }

  /** Runs fn every ms until cleared. */
  every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.add(t);
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
