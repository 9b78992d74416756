// The requests one connection is waiting on: rid assignment, per-request timeout and abort, and
// matching each response (or `error` reply) to its request by rid.
import { LanmeshError } from '../errors.js';
import { printable } from '../text.js';
import { RESPONSE_TYPE } from './messages.js';
import type { ErrorMsg, RequestType, ResponseMessage, WireErrorCode } from './messages.js';

/** An `error` reply to one of our requests; remoteCode/remoteMessage are what the peer said (raw; message is printable). */
export class RemoteError extends LanmeshError {
  constructor(
    readonly remoteCode: WireErrorCode,
    readonly remoteMessage: string,
    context: string,
  ) {
    super('REMOTE_ERROR', `${context}: remote replied ${remoteCode}: ${printable(remoteMessage)}`);
  }
}

interface Pending {
  expect: string;
  what: string;
  settle: (outcome: { msg: ResponseMessage } | { err: unknown }) => void;
}

export class RequestTable {
  private readonly pending = new Map<number, Pending>();
  private nextRid = 1;

  get size(): number {
    return this.pending.size;
  }

  /**
   * Register a request of type t to `peer`. The promise settles with the response, or rejects
   * with RemoteError, TIMEOUT, signal.reason, or whatever fail()/failAll() pass.
   */
  open(t: RequestType, peer: string, timeoutMs: number, signal?: AbortSignal): { rid: number; response: Promise<ResponseMessage> } {
    const rid = this.nextRid++;
    const what = `${t} (rid ${rid}) to ${peer}`;
    const response = new Promise<ResponseMessage>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const settle: Pending['settle'] = (outcome) => {
        if (!this.pending.delete(rid)) return;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if ('err' in outcome) reject(outcome.err);
        else resolve(outcome.msg);
      };
      const onAbort = (): void => settle({ err: signal?.reason });
      const timer = setTimeout(
        () => settle({ err: new LanmeshError('TIMEOUT', `${what} timed out after ${timeoutMs} ms`) }),
        timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(rid, { expect: RESPONSE_TYPE[t], what, settle });
    });
    return { rid, response };
  }

  /**
   * Settle the request that msg answers. Returns an error describing why msg was dropped (no
   * request with that rid, e.g. one that already timed out), or undefined when it was used.
   */
  answer(msg: ResponseMessage | (ErrorMsg & { rid: number }), peer: string): LanmeshError | undefined {
    const p = this.pending.get(msg.rid);
    if (!p) return new LanmeshError('BAD_MESSAGE', `${peer}: ${msg.t} for unknown or expired rid ${msg.rid}, dropped`);
    if (msg.t === 'error') p.settle({ err: new RemoteError(msg.code, msg.message, p.what) });
    else if (msg.t !== p.expect) p.settle({ err: new LanmeshError('BAD_MESSAGE', `${p.what}: expected ${p.expect}, got ${msg.t}`) });
    else p.settle({ msg });
    return undefined;
  }

  fail(rid: number, err: unknown): void {
    this.pending.get(rid)?.settle({ err });
  }

  /** Reject every pending request with the error made for it (from its description). */
  failAll(makeError: (what: string) => Error): void {
    for (const p of [...this.pending.values()]) p.settle({ err: makeError(p.what) });
  }
}
