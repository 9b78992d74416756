// A counting semaphore with a FIFO queue: caps how many chunk uploads run at once; the rest wait
// their turn in arrival order. Each owner (a requester's address) holds at most its share, and a
// waiter whose owner is at its share lets the ones behind it go first: one host cannot take every slot.
import { LanmeshError } from '../errors.js';

interface Waiter {
  owner: string;
  grant: () => void;
  fail: (e: Error) => void;
}

export class Slots {
  private used = 0;
  private readonly byOwner = new Map<string, number>();
  private readonly queue: Waiter[] = [];
  private closed = false;

  /** perOwner defaults to a quarter of the capacity (at least 1). */
  constructor(
    readonly capacity: number,
    readonly perOwner = Math.max(1, Math.ceil(capacity / 4)),
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`slot capacity ${capacity}`);
    if (!Number.isInteger(perOwner) || perOwner < 1) throw new RangeError(`slots per owner ${perOwner}`);
  }

  get inUse(): number {
    return this.used;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Slots `owner` holds now. */
  heldBy(owner: string): number {
    return this.byOwner.get(owner) ?? 0;
  }

  /** Resolves with a release function once a slot is free for `owner` (release is idempotent). */
  acquire(owner = ''): Promise<() => void> {
    if (this.closed) return Promise.reject(new LanmeshError('CONNECTION_CLOSED', 'uploads are closed'));
    return new Promise((resolve, reject) => {
      const grant = () => {
        this.used++;
        this.byOwner.set(owner, this.heldBy(owner) + 1);
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.used--;
          const left = this.heldBy(owner) - 1;
          if (left > 0) this.byOwner.set(owner, left);
          else this.byOwner.delete(owner);
          this.next();
        });
      };
      const w = { owner, grant, fail: reject };
      if (this.used < this.capacity && this.heldBy(owner) < this.perOwner && this.queue.length === 0) grant();
      else {
        this.queue.push(w);
        this.next();
      }
    });
  }

  /** Rejects every waiter; held slots are simply released later. */
  close(): void {
    this.closed = true;
    for (const w of this.queue.splice(0)) w.fail(new LanmeshError('CONNECTION_CLOSED', 'uploads are closed'));
  }

  /** Grants free slots to the first waiters whose owners are below their share. */
  private next(): void {
    for (let i = 0; i < this.queue.length && this.used < this.capacity; ) {
      const w = this.queue[i]!;
      if (this.heldBy(w.owner) >= this.perOwner) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      w.grant();
    }
  }
}
