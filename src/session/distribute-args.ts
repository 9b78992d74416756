// The arguments of `distribute`: "<name | id> [--to PEER,…]" (line mode, the UI, and the one-shot).

/** "<query> [--to a,b]" → the query and the peer words (names or id prefixes). */
export function parseDistributeArgs(rest: string): { query: string; to?: string[] } {
  const m = /^(.*?)\s*--to(?:\s+|=)(\S+)\s*$/.exec(rest);
  if (!m) return { query: rest.trim() };
  return { query: m[1]!.replace(/^(["'])(.*)\1$/, '$2').trim(), to: m[2]!.split(',').filter(Boolean) };
}
