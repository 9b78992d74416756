// Keeps an index server's view of this peer current: ADDs each offered RFC once per connection
// (again only if its title changed). P2P-CI has no DELETE: a removed file stays listed until we
// disconnect.
import type { RfcRecord } from './codec.js';
import type { IndexClient } from './index-client.js';

export class IndexRegistrar {
  private readonly added = new Map<number, string>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: IndexClient) {}

  /** ADDs what is new in `rfcs`; resolves with the records the server answered for those ADDs. */
  sync(rfcs: readonly { rfc: number; title: string }[]): Promise<RfcRecord[]> {
    const run = this.chain.then(async () => {
      const out: RfcRecord[] = [];
      for (const { rfc, title } of rfcs) {
        if (this.added.get(rfc) === title) continue;
        out.push(await this.client.add(rfc, title));
        this.added.set(rfc, title);
      }
      return out;
    });
    this.chain = run.catch(() => {});
    return run;
  }

  /** RFC numbers registered so far on this connection. */
  registered(): number[] {
    return [...this.added.keys()].sort((a, b) => a - b);
  }
}
