// Recent throughput: bytes counted into one-second buckets, averaged over the last few seconds,
// so a progress line shows the current rate rather than the average since the start.
export class RateMeter {
  private readonly buckets: Array<{ at: number; bytes: number }> = [];

  constructor(
    private readonly now: () => number = Date.now,
    private readonly spanMs = 5000,
  ) {}

  add(bytes: number): void {
    const sec = Math.floor(this.now() / 1000) * 1000;
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.at === sec) last.bytes += bytes;
    else this.buckets.push({ at: sec, bytes });
    this.trim();
  }

  /** Bytes per second over the span (or since the first byte, when that is more recent). */
  rate(): number {
    this.trim();
    const first = this.buckets[0];
    if (!first) return 0;
    const total = this.buckets.reduce((n, b) => n + b.bytes, 0);
    const ms = Math.max(1000, this.now() - first.at);
    return (total / ms) * 1000;
  }

  private trim(): void {
    const from = this.now() - this.spanMs;
    while (this.buckets.length > 0 && this.buckets[0]!.at + 1000 <= from) this.buckets.shift();
  }
}
