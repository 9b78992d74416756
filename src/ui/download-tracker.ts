// Running downloads as the UI shows them, fed by the session's structured download updates
// (src/session/events.ts, which also words their notices). A finished download leaves the list.
import type { DownloadEvent, DownloadProgress } from '../transfer/transfer-service.js';
import type { DownloadPhase, DownloadView } from './use-peer-state.js';

const PHASE: Record<DownloadProgress['state'], DownloadPhase | undefined> = {
  connecting: 'running',
  running: 'running',
  verifying: 'running',
  waiting: 'waiting',
  done: undefined,
  failed: undefined,
  closed: undefined,
};

/**
 * `holders` counts holders with requests outstanding at the instant of the report, which is often 0
 * between two chunks: while data is still arriving the bar keeps the last count instead of "0".
 */
function holdersInUse(p: DownloadProgress, prev: DownloadView | undefined): number {
  if (p.holders > 0 || p.state !== 'running') return p.holders;
  const arriving = p.rate > 0 || p.bytesDone > (prev?.bytes ?? p.bytesDone);
  return arriving ? Math.max(1, prev?.holders ?? 0) : 0;
}

function view(p: DownloadProgress, prev: DownloadView | undefined): DownloadView {
  const holders = holdersInUse(p, prev);
  return {
    key: p.id,
    name: p.name,
    size: p.size,
    bytes: p.bytesDone,
    rate: p.rate,
    holders,
    known: Math.max(p.known, holders),
    phase: PHASE[p.state] ?? 'running',
    note: noteOf(p),
  };
}

/** A folder's bar says how many of its files are done (and its state beside when there is one). */
function noteOf(p: DownloadProgress): string | undefined {
  const state = p.state === 'connecting' || p.state === 'verifying' ? p.state : undefined;
  if (!p.folder) return state;
  const files = `${p.folder.filesDone}/${p.folder.files} files`;
  return state ? `${files}, ${state}` : files;
}

export class DownloadTracker {
  private readonly views = new Map<string, DownloadView>();

  list(): DownloadView[] {
    return [...this.views.values()];
  }

  /** Applies one update; false when it changed nothing the UI shows. */
  apply(u: DownloadEvent): boolean {
    switch (u.type) {
      case 'start': {
        const s = u.start;
        const chunkBytes = s.chunks > 0 ? s.size / s.chunks : 0;
        this.views.set(s.id, {
          key: s.id,
          name: s.name,
          size: s.size,
          bytes: Math.min(s.size, Math.round(s.kept * chunkBytes)),
          rate: 0,
          holders: 0,
          known: s.holders,
          phase: s.holders === 0 ? 'waiting' : 'running',
          note: s.folder ? `${s.folder.kept + s.folder.copied}/${s.folder.files} files` : s.holders === 0 ? undefined : 'connecting',
        });
        return true;
      }
      case 'progress':
      case 'state': {
        const p = u.progress;
        if (PHASE[p.state] === undefined) return false;
        this.views.set(p.id, view(p, this.views.get(p.id)));
        return true;
      }
      case 'done':
        return this.views.delete(u.summary.id);
      case 'failed':
        return this.views.delete(u.failure.id);
      case 'dropped':
        return false;
    }
  }

  clear(): void {
    this.views.clear();
  }
}
