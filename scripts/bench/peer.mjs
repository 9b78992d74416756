// One lanmesh peer for the benchmark: the real CLI in line mode inside a namespace, its stdout read
// line by line so the driver can wait for a line, ask a command, and read CPU and peak RSS from /proc.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { procCpu, procPeakRss, threadCpu } from './proc.mjs';

export const PORT = 9001;

export class LanmeshPeer {
  /** `ip netns exec` execs in place, so the child's pid is node's own. */
  /** args: more CLI flags (e.g. --secret for a private mesh). */
  constructor({ ns, dir, name, cli, nodeFlags = [], port = PORT, args = [] }) {
    this.name = name;
    this.dir = dir;
    this.lines = [];
    this.waiters = [];
    this.err = '';
    this.child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...nodeFlags, cli, '-t', String(port), '--dir', dir, '--name', name, '--no-tui', ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.pid = this.child.pid;
    let partial = '';
    this.child.stdout.setEncoding('utf8').on('data', (s) => {
      const parts = (partial + s).split('\n');
      partial = parts.pop();
      for (const line of parts) this.lines.push(line);
      this.wake();
    });
    this.child.stderr.setEncoding('utf8').on('data', (s) => (this.err = (this.err + s).slice(-4000)));
    // LANMESH_BENCH_STDERR=DIR keeps every peer's whole stderr (e.g. with NODE_DEBUG=lanmesh:*).
    if (process.env.LANMESH_BENCH_STDERR) this.child.stderr.pipe(createWriteStream(join(process.env.LANMESH_BENCH_STDERR, `${name}-${this.child.pid}.log`)));
    this.exited = new Promise((r) => this.child.once('close', () => (this.wake(), r())));
    this.child.stdin.on('error', () => undefined);
  }

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  mark() {
    return this.lines.length;
  }

  send(line) {
    this.child.stdin.write(`${line}\n`);
  }

  wake() {
    for (const w of [...this.waiters]) w.check();
  }

  tail() {
    return `--- ${this.name} stdout:\n${this.lines.slice(-15).join('\n')}\n--- stderr:\n${this.err.slice(-1500)}`;
  }

  /** Index of the first line at or after `from` matching `re`; rejects after `ms` or when the peer exits. */
  waitLine(re, from = 0, ms = 120_000) {
    return new Promise((resolve, reject) => {
      let i = from;
      const w = {
        check: () => {
          for (; i < this.lines.length; i++) if (re.test(this.lines[i])) return done(() => resolve(i));
          if (!this.running) done(() => reject(new Error(`${this.name} exited while waiting for ${re}\n${this.tail()}`)));
        },
      };
      const t = setTimeout(() => done(() => reject(new Error(`${this.name}: no ${re} within ${ms} ms\n${this.tail()}`))), ms);
      const done = (fn) => {
        clearTimeout(t);
        this.waiters.splice(this.waiters.indexOf(w), 1);
        fn();
      };
      this.waiters.push(w);
      w.check();
    });
  }

  /** Count of lines at or after `from` matching `re`, resolved once there are `n` of them. */
  async waitCount(re, n, from = 0, ms = 300_000) {
    const deadline = Date.now() + ms;
    let seen = 0;
    let at = from;
    while (seen < n) {
      const i = await this.waitLine(re, at, Math.max(1, deadline - Date.now()));
      seen++;
      at = i + 1;
    }
    return at;
  }

  /** A command's answer: the lines after it up to the empty line that ends it (notices skipped). */
  async ask(cmd, ms = 30_000) {
    const m = this.mark();
    this.send(cmd);
    const first = await this.waitLine(/^(?![*!] \S)./, m, ms);
    const end = await this.waitLine(/^$/, first, ms);
    return this.lines.slice(first, end);
  }

  /** Asks `cmd` until `ok(answer)`, or fails after `ms`. */
  async askUntil(cmd, ok, what, ms = 90_000, everyMs = 100) {
    const deadline = Date.now() + ms;
    for (;;) {
      const ans = await this.ask(cmd);
      if (ok(ans)) return ans;
      if (Date.now() > deadline) throw new Error(`${this.name}: ${what} not reached within ${ms} ms; '${cmd}' said: ${ans.slice(0, 3).join(' | ')}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /** Waits until `where name` lists `k` holders. */
  waitHolders(name, k, ms) {
    const want = new RegExp(`^${k} holders?$`);
    return this.askUntil(`where ${name}`, (a) => a.some((l) => want.test(l)), `${k} holder(s) of ${name}`, ms);
  }

  cpu() {
    return procCpu(this.pid);
  }

  threads() {
    return threadCpu(this.pid);
  }

  peakRss() {
    return procPeakRss(this.pid);
  }

  /** Warnings (`! …` lines) from line `from` on. */
  warnings(from = 0) {
    return this.lines.slice(from).filter((l) => l.startsWith('! '));
  }

  /** `exit`, then SIGKILL if it does not leave within ms. */
  async exit(ms = 30_000) {
    if (!this.running) return;
    this.send('exit');
    const t = setTimeout(() => this.child.kill('SIGKILL'), ms);
    await this.exited;
    clearTimeout(t);
  }

  kill() {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }
}
