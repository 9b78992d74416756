// Fires once nothing has happened for `ms`. touch() only records a timestamp and the timer re-arms
// itself lazily, so a busy connection costs one timer per period rather than one per frame.
export class IdleTimer {
  private last = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** ms ≤ 0 disables it. While busy() is true the period keeps restarting. */
  constructor(
    private readonly ms: number,
    private readonly busy: () => boolean,
    private readonly onIdle: (idleForMs: number) => void,
  ) {
    if (ms > 0) this.arm(ms);
  }

  touch(): void {
    this.last = Date.now();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(this.check, delayMs);
    this.timer.unref();
  }

  private readonly check = (): void => {
    if (this.stopped) return;
    if (this.busy()) this.touch();
    const idleFor = Date.now() - this.last;
    if (idleFor < this.ms) {
      this.arm(this.ms - idleFor);
      return;
    }
    this.stop();
    this.onIdle(idleFor);
  };
}
