// Batched progress commits for a partial download: stored chunks are counted, and one commit (the
// caller's: fdatasync the data, then record the bits held when it started) covers a whole batch,
// started when `maxPending` chunks wait or `maxDelayMs` after the first of them. A bit is thus
// recorded only after its bytes are durable, with one fdatasync per batch instead of per chunk.

export interface CommitBatchInit {
  /** One commit. Its synchronous part must snapshot what it records (before its first await). */
  commit: () => Promise<void>;
  maxPending: number;
  maxDelayMs: number;
}

export class CommitBatch {
  /** Bumped per stored chunk; durableGen is the last one a finished commit covers. */
  private writeGen = 0;
  private durableGen = 0;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;
  private count = 0;

  constructor(private readonly init: CommitBatchInit) {}

  /** Commits run so far (for tests and the bench). */
  get commits(): number {
    return this.count;
  }

  /** A background commit that failed, rethrown to the next caller (the download then fails). */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** One more chunk stored: commit now if the batch is full, else within maxDelayMs. */
  stored(): void {
    this.writeGen++;
    if (this.writeGen - this.durableGen >= this.init.maxPending) this.background();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.background(), this.init.maxDelayMs);
      this.timer.unref();
    }
  }

  /** Resolves once everything stored so far is durable (group commit: concurrent callers share one). */
  async durable(): Promise<void> {
    const gen = this.writeGen;
    while (this.durableGen < gen) await this.flush();
    this.check();
  }

  /** Resolves once a running commit has ended (its outcome is kept for check()). */
  async idle(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing?.catch(() => undefined);
  }

  /** One commit at a time; it covers every chunk stored before it started. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    clearTimeout(this.timer);
    this.timer = undefined;
    const gen = this.writeGen;
    this.count++;
    this.flushing = this.init
      .commit()
      .then(
        () => {
          this.durableGen = Math.max(this.durableGen, gen);
        },
        (e: unknown) => {
          this.failure ??= e;
          throw e;
        },
      )
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  private background(): void {
    this.flush().catch(() => undefined);
  }
}
