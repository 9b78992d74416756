// Running downloads as the UI shows them, fed by the peer's download:* events (the same events line
// mode prints). Finished, failed and dropped-holder events become one notice each, worded by the
// shared formatters; a finished download leaves the list.
import type { Peer } from '../peer.js';
import type { DownloadProgress, DownloadStart, DownloadSummary, DroppedHolder } from '../transfer/transfer-service.js';
import { formatDone, formatDropped, formatStart } from '../cli/transfer-format.js';
import type { DownloadPhase, DownloadView, Notice } from './use-peer-state.js';

export interface DownloadTrackerInit {
  onChange(): void;
  onNotice(level: Notice['level'], text: string, finished?: Notice['finished']): void;
}

const PHASE: Record<DownloadProgress['state'], DownloadPhase | undefined> = {
  connecting: 'running',
  running: 'running',
  verifying: 'running',
  waiting: 'waiting',
  done: undefined,
  failed: undefined,
  closed: undefined,
};

function view(p: DownloadProgress): DownloadView {
  return {
    key: p.id,
    name: p.name,
    size: p.size,
    bytes: p.bytesDone,
    rate: p.rate,
    holders: p.holders,
    known: p.known,
    phase: PHASE[p.state] ?? 'running',
    note: p.state === 'connecting' || p.state === 'verifying' ? p.state : undefined,
  };
}

type Source = Pick<Peer, 'on' | 'off' | 'downloads' | 'dir'>;

export class DownloadTracker {
  private readonly views = new Map<string, DownloadView>();
  private readonly handlers: Array<[string, (...args: never[]) => void]>;
  private closed = false;

  constructor(
    private readonly source: Source,
    private readonly init: DownloadTrackerInit,
  ) {
    // Downloads resumed while the peer started were announced before anyone listened.
    for (const p of source.downloads()) this.progress(p);
    const on = <A>(event: string, fn: (a: A) => void): [string, (...args: never[]) => void] => [event, fn as never];
    this.handlers = [
      on<DownloadStart>('download:start', (s) => this.start(s)),
      on<DownloadProgress>('download:progress', (p) => this.progress(p)),
      on<DownloadProgress>('download:state', (p) => this.progress(p)),
      on<DroppedHolder>('download:dropped', (x) => init.onNotice('warning', formatDropped(x))),
      on<DownloadSummary>('download:done', (s) =>
        this.end(s.id, 'success', formatDone(s, source.dir), { name: s.name, size: s.size }),
      ),
      on<{ id: string; name: string; error: string }>('download:failed', (f) =>
        this.end(f.id, 'warning', `download ${f.name} failed: ${f.error}`),
      ),
    ];
    for (const [e, fn] of this.handlers) source.on(e, fn as (...args: unknown[]) => void);
  }

  list(): DownloadView[] {
    return [...this.views.values()];
  }

  private start(s: DownloadStart): void {
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
      note: s.holders === 0 ? undefined : 'connecting',
    });
    if (s.via === 'resume') this.init.onNotice('info', formatStart(s));
    this.init.onChange();
  }

  private progress(p: DownloadProgress): void {
    if (PHASE[p.state] === undefined) return;
    this.views.set(p.id, view(p));
    this.init.onChange();
  }

  private end(id: string, level: Notice['level'], text: string, finished?: Notice['finished']): void {
    this.views.delete(id);
    this.init.onNotice(level, text, finished);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [e, fn] of this.handlers) this.source.off(e, fn as (...args: unknown[]) => void);
    this.views.clear();
  }
}
