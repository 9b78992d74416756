// The first index of the folder as a service: started in the background (a huge folder must not hold
// up discovery or commands), published when done. The store's watchers go with the store's close().
import type { LocalStore } from '../store/local-store.js';
import type { Service } from '../lifecycle.js';

export class Indexer implements Service {
  readonly name = 'indexer';
  private run: Promise<void> | undefined;

  constructor(
    private readonly store: LocalStore,
    private readonly onIndexed: () => void,
    private readonly onFailed: (err: unknown) => void,
  ) {}

  start(): void {
    this.run ??= this.store.start().then(this.onIndexed);
    this.run.catch(this.onFailed);
  }

  stop(): void {}

  /** The first index: rejects when it failed (index mode cannot start without it). */
  get first(): Promise<void> {
    return this.run ?? Promise.resolve();
  }

  /** Resolves when the first index ended either way. */
  get settled(): Promise<void> {
    return this.first.catch(() => undefined);
  }
}
