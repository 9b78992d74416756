// Keeps warnings useful: one line per distinct problem per window instead of a flood (a peer
// spraying garbage at 5353 would otherwise print a line per packet), and a short backlog for
// warnings raised before anyone listens (during start-up).

const DEFAULT_WINDOW_MS = 30_000;
const MAX_TRACKED = 256;
const MAX_HELD = 50;

export class WarningGate {
  private readonly lastShown = new Map<string, number>();
  private held: string[] = [];

  constructor(
    private readonly windowMs = DEFAULT_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `msg` should be shown now (not shown in the last window). */
  admit(msg: string): boolean {
    const t = this.now();
    const last = this.lastShown.get(msg);
    if (last !== undefined && t - last < this.windowMs) return false;
    this.lastShown.delete(msg);
    this.lastShown.set(msg, t);
    if (this.lastShown.size > MAX_TRACKED) this.lastShown.delete(this.lastShown.keys().next().value!);
    return true;
  }

  hold(msg: string): void {
    if (this.held.length < MAX_HELD) this.held.push(msg);
  }

  drain(): string[] {
    const out = this.held;
    this.held = [];
    return out;
  }
}
