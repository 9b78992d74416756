// One hello exchange as the asker: dial a sender port, say who we are, read who answers.
import { dialFramed } from '../wire/connection.js';
import type { SocketSecurity } from '../wire/secure-socket.js';
import type { HelloMsg, HelloSelf } from '../wire/messages.js';

export interface HelloAnswer {
  answer: HelloMsg;
  /** The IPv4 address the connection reached (a host name in the static list resolves to it). */
  address: string;
}

export async function probeHello(
  host: string, senderPort: number, from: HelloSelf | undefined, timeoutMs: number, signal?: AbortSignal, security?: SocketSecurity,
): Promise<HelloAnswer> {
  const conn = await dialFramed(host, senderPort, { timeoutMs, signal, security });
  try {
    const answer = await conn.request({ t: 'hello', ...(from ? { from } : {}) }, { timeoutMs, signal });
    return { answer, address: plainIpv4(conn.remoteAddress) ?? host };
  } finally {
    conn.close();
  }
}

/** "::ffff:10.0.0.5" → "10.0.0.5"; undefined for anything that is not IPv4. */
export function plainIpv4(address: string | undefined): string | undefined {
  const a = address?.replace(/^::ffff:/, '');
  return a && /^\d{1,3}(\.\d{1,3}){3}$/.test(a) ? a : undefined;
}
