// uvu has no per-test timeout (lukeed/uvu#33) and a promise that never settles ends the run
// silently (#134): every async test body goes through this wrapper.
export function withTimeout<T>(ms: number, fn: () => Promise<T>): () => Promise<T> {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`test timed out after ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([fn(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Poll `probe` until it returns a truthy value (no fixed sleeps: each poll is a real check). */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  { timeoutMs = 5000, intervalMs = 50, what = 'condition' } = {},
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
