// Run in a host's namespace by a test: knocks on a peer's four ports without its mesh's secret (plain
// TCP, or TLS with the secret given as argv[4]) and prints one JSON line per port: what came back.
// A private peer must close every connection before answering anything.
import { dialFramed } from '../../src/wire/connection.js';
import { PrivateMesh } from '../../src/wire/secure-socket.js';
import { deriveMeshKeys } from '../../src/wire/mesh-keys.js';
import { describeError } from '../../src/errors.js';

const [host, base, secret] = [process.argv[2]!, Number(process.argv[3]), process.argv[4]];
const security = secret ? new PrivateMesh(deriveMeshKeys(secret)) : undefined;
const ZERO_ID = '0'.repeat(64);

async function knock(port: number, role: string, ask: 'catalog.get' | 'chunks.get' | 'hello'): Promise<void> {
  let conn;
  try {
    conn = await dialFramed(host, port, { timeoutMs: 3000, security });
  } catch (e) {
    console.log(JSON.stringify({ role, ask, outcome: 'dial failed', detail: describeError(e) }));
    return;
  }
  const frames: string[] = [];
  conn.on('control', (m) => frames.push(m.t));
  conn.on('chunk', () => frames.push('chunk'));
  const closed = new Promise<string>((resolve) => conn.once('close', (err) => resolve(err ? describeError(err) : 'closed')));
  const body = ask === 'chunks.get' ? { t: ask, id: ZERO_ID, chunks: [0], token: 'ab'.repeat(16), port: 1 } : { t: ask };
  const answer = conn.request(body as never, { timeoutMs: 3000 }).then(
    (r) => `answered ${(r as { t: string }).t}`,
    (e: unknown) => `no answer: ${describeError(e)}`,
  );
  const timer = new Promise<string>((r) => setTimeout(() => r('still open after 3 s'), 3000).unref());
  const outcome = await Promise.race([closed.then((c) => `closed (${c})`), timer]);
  console.log(JSON.stringify({ role, ask, outcome, answer: await answer, frames }));
  conn.close();
}

await knock(base + 1, 'sender', 'catalog.get');
await knock(base + 1, 'sender', 'chunks.get');
await knock(base + 1, 'sender', 'hello');
await knock(base, 'receiver', 'hello');
await knock(base + 2, 'distributor', 'hello');
await knock(base + 3, 'distributee', 'hello');
