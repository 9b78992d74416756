// Drives a real lanmesh process in line mode (README "Line mode, for scripts"): one command per stdin
// line, each answer ends with one empty line, "* "/"! " lines between answers are notices.
// Relies on that contract only; a response's first line must not start with "* " or "! ".
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LanHost } from './lan.js';

// One exit listener per live peer; a 10-host test legitimately holds more than the default 10.
process.setMaxListeners(Math.max(process.getMaxListeners(), 64));

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const READY_RE = /^\* ready (\S+) (\S+) ports (\d+),(\d+),(\d+),(\d+)$/;
const NOTICE_RE = /^[*!] /;

export interface PeerInit {
  /** Runs inside this host's namespace; when absent, in the current one (the caller's isolation). */
  host?: LanHost;
  dir: string;
  /** -t; undefined starts the peer without it (its default ports). */
  port: number | undefined;
  name?: string;
  args?: string[];
  env?: Record<string, string>;
  /** The script node runs (default <repo>/dist/src/cli.js); the harness test passes a fake. */
  cli?: string;
  /** How long startPeer waits for the ready line (default 20 s). */
  readyTimeoutMs?: number;
}

export interface PeerReady {
  name: string;
  peerId: string;
  ports: [number, number, number, number];
}

export interface PeerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Pending {
  line: string;
  lines: string[];
  /** Set once the caller stopped waiting (timeout): the answer is still consumed, then dropped. */
  settled: boolean;
  resolve(lines: string[]): void;
  reject(err: Error): void;
}

interface NoticeWaiter {
  re: RegExp;
  resolve(line: string): void;
  reject(err: Error): void;
}

const tail = (text: string, n = 30): string => text.split('\n').slice(-n).join('\n');

export class PeerProcess {
  /** Every notice line ("* …" / "! …") seen outside answers, in order. */
  readonly notices: string[] = [];
  /** Resolves when the process has exited and its output is read. */
  readonly exited: Promise<PeerExit>;
  /** Resolves on the ready line; rejects if the process exits or times out first. */
  readonly ready: Promise<PeerReady>;
  readonly label: string;

  #child: ChildProcessWithoutNullStreams;
  #out = '';
  #partial = '';
  #info: PeerReady | undefined;
  #pending: Pending[] = [];
  #waiters = new Set<NoticeWaiter>();
  #exit: PeerExit | undefined;
  #closing: Promise<void> | undefined;
  #readyHooks: { resolve(r: PeerReady): void; reject(e: Error): void } | undefined;
  #onProcessExit = () => this.#child.kill('SIGKILL');

  constructor(init: PeerInit) {
    const argv = [process.execPath, '--enable-source-maps', init.cli ?? CLI, ...(init.port === undefined ? [] : ['-t', String(init.port)]), '--dir', init.dir, '--no-tui'];
    if (init.name !== undefined) argv.push('--name', init.name);
    argv.push(...(init.args ?? []));
    const full = init.host ? ['ip', 'netns', 'exec', init.host.netns, ...argv] : argv;
    this.label = `${init.name ?? 'peer'}${init.host ? `@${init.host.name}` : ''}:${init.port}`;
    this.#child = spawn(full[0]!, full.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...init.env },
    });
    // A test that dies without close() must not leave a peer running.
    process.once('exit', this.#onProcessExit);
    this.#child.stdin.on('error', () => undefined);
    this.#child.stdout.setEncoding('utf8').on('data', (s: string) => this.#onStdout(s));
    this.#child.stderr.setEncoding('utf8').on('data', (s: string) => (this.#out += s));

    this.exited = new Promise<PeerExit>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.#exit) return;
        this.#exit = { code, signal };
        process.off('exit', this.#onProcessExit);
        if (this.#partial) this.#onLine(this.#partial);
        this.#partial = '';
        const why = new Error(`${this.label} exited (code ${code}, signal ${signal})\n${tail(this.#out)}`);
        for (const p of this.#pending.splice(0)) if (!p.settled) p.reject(why);
        for (const w of this.#waiters) w.reject(why);
        this.#waiters.clear();
        this.#readyHooks?.reject(
          new Error(`${this.label} exited before ready (code ${code}, signal ${signal})\n${tail(this.#out)}`),
        );
        this.#readyHooks = undefined;
        resolve(this.#exit);
      };
      this.#child.once('close', done);
      this.#child.once('error', (err) => {
        this.#out += `spawn failed: ${err.message}\n`;
        done(null, null);
      });
    });

    const readyTimeout = init.readyTimeoutMs ?? 20_000;
    this.ready = new Promise<PeerReady>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#readyHooks = undefined;
        reject(new Error(`${this.label}: no ready line after ${readyTimeout} ms\n${tail(this.#out)}`));
      }, readyTimeout);
      this.#readyHooks = {
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
    });
    // Callers that only await `exited` (start-up failure tests) must not see an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The ready line's contents (throws before ready). */
  get info(): PeerReady {
    if (!this.#info) throw new Error(`${this.label} is not ready`);
    return this.#info;
  }

  /** Everything the process printed so far (stdout and stderr), for failure messages. */
  output(): string {
    return this.#out;
  }

  #onStdout(chunk: string): void {
    this.#out += chunk;
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) this.#onLine(line.replace(/\r$/, ''));
  }

  #onLine(line: string): void {
    if (!this.#info) {
      const m = READY_RE.exec(line);
      if (m) {
        this.#info = { name: m[1]!, peerId: m[2]!, ports: [Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])] };
        const hooks = this.#readyHooks;
        this.#readyHooks = undefined;
        hooks?.resolve(this.#info);
        return;
      }
    }
    const current = this.#pending[0];
    if (current && current.lines.length === 0 && NOTICE_RE.test(line)) return this.#notice(line);
    if (!current) {
      if (NOTICE_RE.test(line)) this.#notice(line);
      return; // anything else outside an answer is kept in output() only
    }
    if (line !== '') {
      current.lines.push(line);
      return;
    }
    this.#pending.shift();
    if (!current.settled) {
      current.settled = true;
      current.resolve(current.lines);
    }
  }

  #notice(line: string): void {
    this.notices.push(line);
    for (const w of this.#waiters) {
      if (w.re.test(line)) {
        this.#waiters.delete(w);
        w.resolve(line);
      }
    }
  }

  /** Sends one command; resolves with its answer lines (without the closing empty line). */
  command(line: string, { timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<string[]> {
    if (line.includes('\n')) throw new Error('command: one line only');
    if (this.#exit) return Promise.reject(new Error(`${this.label} has exited; cannot send '${line}'`));
    return new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (p.settled) return;
        p.settled = true;
        reject(new Error(`${this.label}: no answer to '${line}' within ${timeoutMs} ms\n${tail(this.#out)}`));
      }, timeoutMs);
      const p: Pending = {
        line,
        lines: [],
        settled: false,
        resolve: (lines) => (clearTimeout(timer), resolve(lines)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      };
      this.#pending.push(p);
      this.#child.stdin.write(`${line}\n`);
    });
  }

  /**
   * Resolves with the first notice matching `re`, looking at notices from index `from` on (default 0:
   * notices already seen count too).
   */
  waitForNotice(re: RegExp, timeoutMs = 10_000, { from = 0 }: { from?: number } = {}): Promise<string> {
    const seen = this.notices.slice(from).find((n) => re.test(n));
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.#exit) return Promise.reject(new Error(`${this.label} has exited; no notice matching ${re}`));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(w);
        reject(new Error(`${this.label}: no notice matching ${re} within ${timeoutMs} ms\n${tail(this.#out)}`));
      }, timeoutMs);
      const w: NoticeWaiter = {
        re,
        resolve: (l) => (clearTimeout(timer), resolve(l)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.#waiters.add(w);
    });
  }

  /** Re-issues `line` until `predicate` holds for its answer (convergence waits without fixed sleeps). */
  async poll(
    line: string,
    predicate: (lines: string[]) => boolean,
    { timeoutMs = 15_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<string[]> {
    const end = Date.now() + timeoutMs;
    let last: string[] = [];
    for (;;) {
      const left = end - Date.now();
      if (left <= 0) break;
      last = await this.command(line, { timeoutMs: Math.max(left, 1000) });
      if (predicate(last)) return last;
      if (Date.now() + intervalMs >= end) break;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    throw new Error(`${this.label}: '${line}' never satisfied the condition in ${timeoutMs} ms; last answer:\n${last.join('\n')}`);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    return this.#exit ? false : this.#child.kill(signal);
  }

  /** Sends `exit` and resolves with the exit code once the process is gone. */
  async exit(timeoutMs = 10_000): Promise<number | null> {
    if (!this.#exit) this.#child.stdin.write('exit\n');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.label}: did not exit within ${timeoutMs} ms\n${tail(this.#out)}`)), timeoutMs);
    });
    try {
      return (await Promise.race([this.exited, deadline])).code;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Idempotent: SIGKILL if still alive, then waits for the process to be gone. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (!this.#exit) this.#child.kill('SIGKILL');
      await this.exited;
      this.#child.stdin.destroy();
    })();
    return this.#closing;
  }
}

/** Spawns a peer without waiting for it (start-up failure tests await `exited`). */
export function spawnPeer(init: PeerInit): PeerProcess {
  return new PeerProcess(init);
}

/** Spawns a peer and resolves once it printed its ready line; on failure the process is gone. */
export async function startPeer(init: PeerInit): Promise<PeerProcess> {
  const peer = new PeerProcess(init);
  try {
    await peer.ready;
  } catch (err) {
    await peer.close();
    throw err;
  }
  return peer;
}
