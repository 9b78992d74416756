// Without -t a peer takes 9001..9004, or the next free set of four (9005..9008, …), so two peers started
// on one machine without flags both come up. A port taken between this probe and the bind still gets
// Peer.start's one-line "in use" error.
import { createServer } from 'node:net';

export const DEFAULT_BASE_PORT = 9001;
const SETS_TRIED = 16;

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first base port B (9001, 9005, …) with B..B+3 all free on `host`, or 9001 when none is. */
export async function defaultBasePort(host = '0.0.0.0'): Promise<number> {
  for (let i = 0; i < SETS_TRIED; i++) {
    const base = DEFAULT_BASE_PORT + 4 * i;
    const free = await Promise.all([0, 1, 2, 3].map((k) => canBind(base + k, host)));
    if (free.every(Boolean)) return base;
  }
  return DEFAULT_BASE_PORT;
}
