// Drives a real `lanmesh index-server` process for the P2P-CI tests: spawns it (optionally in a LAN
// host's namespace), waits for its listening line, collects its log, waits for log lines, stops it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LanHost } from './lan.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export interface IndexServerProcessInit {
  port: number;
  host?: string;
  quiet?: boolean;
  lanHost?: LanHost;
  /** Extra arguments (tests of bad flags). */
  args?: string[];
}

export class IndexServerProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #child: ChildProcessWithoutNullStreams;
  #stdout = '';
  #stderr = '';
  #waiters = new Set<() => void>();
  #gone = false;
  #onProcessExit = () => this.#child.kill('SIGKILL');

  constructor(init: IndexServerProcessInit) {
    const argv = [process.execPath, '--enable-source-maps', CLI, 'index-server', '--port', String(init.port)];
    if (init.host !== undefined) argv.push('--host', init.host);
    if (init.quiet) argv.push('--quiet');
    argv.push(...(init.args ?? []));
    const full = init.lanHost ? ['ip', 'netns', 'exec', init.lanHost.netns, ...argv] : argv;
    this.#child = spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    process.once('exit', this.#onProcessExit);
    this.#child.stdout.setEncoding('utf8').on('data', (s: string) => this.#append(s, 'out'));
    this.#child.stderr.setEncoding('utf8').on('data', (s: string) => this.#append(s, 'err'));
    this.exited = new Promise((resolve) => {
      this.#child.once('close', (code, signal) => {
        process.off('exit', this.#onProcessExit);
        this.#gone = true;
        for (const w of this.#waiters) w();
        resolve({ code, signal });
      });
    });
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  #append(s: string, which: 'out' | 'err'): void {
    if (which === 'out') this.#stdout += s;
    else this.#stderr += s;
    for (const w of this.#waiters) w();
  }

  /** Resolves once stdout matches `re` (checked from `from` on); rejects on timeout or exit. */
  waitFor(re: RegExp, timeoutMs = 10_000, from = 0): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.#stdout.slice(from).match(re);
        if (m) return done(() => resolve(m));
        if (this.#gone) done(() => reject(new Error(`index-server exited; no ${re} in:\n${this.#stdout}${this.#stderr}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`index-server: no ${re} within ${timeoutMs} ms in:\n${this.#stdout}${this.#stderr}`))),
        timeoutMs,
      );
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        f();
      };
      this.#waiters.add(check);
      check();
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Idempotent: SIGKILL if still running, then waits for exit. */
  async close(): Promise<void> {
    if (!this.#gone) this.#child.kill('SIGKILL');
    await this.exited;
  }
}

/** Starts an index server and waits for its listening line. */
export async function startIndexServer(init: IndexServerProcessInit): Promise<IndexServerProcess> {
  const p = new IndexServerProcess(init);
  try {
    await p.waitFor(/index server listening on \S+:\d+/);
  } catch (err) {
    await p.close();
    throw err;
  }
  return p;
}
