// `lanmesh distribute <path | name> [--to …]` as one command: a path is shared into the throwaway
// peer first; then the push runs to its end (every recipient done, refused or gone) and its summary
// is the answer. Interrupted, the caller stops the peer and the recipients finish from each other.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Peer } from '../peer.js';
import type { PushSummary } from '../push/push-service.js';
import { parseDistributeArgs } from '../session/distribute-args.js';
import { formatPushDone, formatPushRow } from '../session/push-format.js';
import { until } from './settle.js';
import { LanmeshError } from '../errors.js';

export interface DistributeOnceInit {
  what: string;
  to?: string;
  cwd: string;
  signal?: AbortSignal;
}

/** What to push: the id of a file shared from a path, else the name or id as typed. */
async function target(peer: Peer, what: string, cwd: string): Promise<string> {
  const path = resolve(cwd, what);
  const isFile = await stat(path).then((s) => s.isFile(), () => false);
  if (!isFile) return what;
  const { file } = await peer.share(path);
  const id = file.manifest.id;
  await until(peer, ['catalog'], () => peer.catalog.find(id).some((f) => f.local), 10_000);
  return id;
}

export async function distributeOnce(peer: Peer, o: DistributeOnceInit): Promise<{ text: string[]; json: unknown }> {
  const { query, to } = parseDistributeArgs(`${o.what}${o.to ? ` --to ${o.to}` : ''}`);
  const id = await target(peer, query, o.cwd);
  let summary: PushSummary | undefined;
  const onDone = (s: PushSummary) => (summary = s);
  peer.on('push:done', onDone);
  try {
    const start = peer.distribute(id, to);
    const ended = await until(peer, ['push:done'], () => summary?.id === start.id, 24 * 3600_000, o.signal);
    if (!ended || !summary) throw new LanmeshError('TIMEOUT', `the push of ${start.name} did not end`);
  } finally {
    peer.off('push:done', onDone);
  }
  const s = summary;
  return { text: [formatPushDone(s), ...s.rows.map((r) => `  ${formatPushRow(r)}`)], json: pushJson(s) };
}

/** --json: the end summary (field names are a public contract). */
export function pushJson(s: PushSummary) {
  return {
    file: { id: s.id, name: s.name, size: s.size },
    ms: s.ms,
    originBytes: s.originBytes,
    ratio: s.size > 0 ? Number((s.originBytes / s.size).toFixed(3)) : 0,
    redealt: s.redealt,
    recipients: s.rows.map((r) => ({
      peer: r.peer, name: r.name, state: r.state, reason: r.reason ?? null, chunks: r.chunks, total: r.total, fromOrigin: r.fromOrigin, fromPeers: r.fromPeers,
    })),
    late: s.late ?? [],
  };
}
