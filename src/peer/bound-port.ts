// A listening port as a service: bound in start(), closed in stop(); its number is read only after start.
import { LanmeshError } from '../errors.js';
import type { Service } from '../lifecycle.js';

export interface Listening {
  readonly port: number;
  close(): Promise<void>;
}

export class BoundPort<T extends Listening = Listening> implements Service {
  private bound: T | undefined;

  constructor(
    readonly name: string,
    private readonly open: () => Promise<T>,
  ) {}

  async start(): Promise<void> {
    this.bound ??= await this.open();
  }

  async stop(): Promise<void> {
    const b = this.bound;
    this.bound = undefined;
    await b?.close();
  }

  get port(): number {
    if (!this.bound) throw new LanmeshError('IO', `the ${this.name} port is not bound`);
    return this.bound.port;
  }
}

/**
 * A service whose object can only be made once earlier services ran (mDNS announces the bound ports):
 * made in start(), stopped in stop().
 */
export class LateService<T extends { start(): Promise<void>; stop(): Promise<void> }> implements Service {
  private made: T | undefined;

  constructor(
    readonly name: string,
    private readonly make: () => T,
  ) {}

  async start(): Promise<void> {
    if (this.made) return;
    const made = this.make();
    await made.start();
    this.made = made;
  }

  async stop(): Promise<void> {
    const m = this.made;
    this.made = undefined;
    await m?.stop();
  }

  /** The running object, or undefined before start and after stop. */
  get current(): T | undefined {
    return this.made;
  }
}
