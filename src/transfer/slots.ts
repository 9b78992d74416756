// A counting semaphore with a FIFO queue: caps how many chunk uploads run at once; the rest wait
// their turn in arrival order.
import { LanmeshError } from '../errors.js';

export class Slots {
  private used = 0;
  private readonly queue: Array<{ grant: () => void; fail: (e: Error) => void }> = [];
  private closed = false;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`slot capacity ${capacity}`);
  }

  get inUse(): number {
    return this.used;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves with a release function once a slot is free (release is idempotent). */
  acquire(): Promise<() => void> {
    if (this.closed) return Promise.reject(new LanmeshError('CONNECTION_CLOSED', 'uploads are closed'));
    return new Promise((resolve, reject) => {
      const grant = () => {
        this.used++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.used--;
          this.next();
        });
      };
      if (this.used < this.capacity) grant();
      else this.queue.push({ grant, fail: reject });
    });
  }

  /** Rejects every waiter; held slots are simply released later. */
  close(): void {
    this.closed = true;
    for (const w of this.queue.splice(0)) w.fail(new LanmeshError('CONNECTION_CLOSED', 'uploads are closed'));
  }

  private next(): void {
    if (this.used < this.capacity) this.queue.shift()?.grant();
  }
}
