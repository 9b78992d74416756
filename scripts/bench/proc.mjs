// Processes for the benchmark: commands run inside a namespace (optionally under /usr/bin/time), and
// what /proc says about a running process (CPU seconds, peak resident memory, children).
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const CLK = 100; // USER_HZ: /proc's clock ticks per second on Linux

/** argv run inside network namespace `ns` (or as is when ns is undefined). */
export function inNs(ns, argv) {
  return ns === undefined ? argv : ['ip', 'netns', 'exec', ns, ...argv];
}

/** Runs a command to its end; throws with its stderr when it fails. */
export async function sh(argv, opts = {}) {
  try {
    return await execFileP(argv[0], argv.slice(1), { maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 300_000 });
  } catch (e) {
    throw new Error(`bench: '${argv.join(' ')}' failed: ${String(e.stderr ?? '').trim().slice(-800) || e.message}`, { cause: e });
  }
}

/**
 * Runs argv in ns under /usr/bin/time to its end: wall seconds (measured here), user+sys CPU seconds
 * and peak RSS (MB) of the command and its waited-for children.
 */
export async function timed(ns, argv, { logDir, tag = 'cmd', timeoutMs = 900_000 } = {}) {
  const tf = join(logDir, `time-${tag}-${process.hrtime.bigint()}.txt`);
  const t0 = performance.now();
  const out = await sh(inNs(ns, ['/usr/bin/time', '-o', tf, '-f', '%e %U %S %M', ...argv]), { timeoutMs });
  const wall = (performance.now() - t0) / 1000;
  const [, u, s, m] = (await readFile(tf, 'utf8')).trim().split('\n').pop().split(' ').map(Number);
  await rm(tf, { force: true });
  return { wall, cpu: u + s, rssMb: m / 1024, stdout: out.stdout };
}

/** A long-running process in ns; kill() ends it (by its pid) and waits. */
export function background(ns, argv, { stdout = 'ignore' } = {}) {
  const full = inNs(ns, argv);
  const child = spawn(full[0], full.slice(1), { stdio: ['ignore', stdout, 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s) => (err = (err + s).slice(-4000)));
  const exited = new Promise((r) => child.once('close', (code, sig) => r({ code, sig })));
  return {
    child,
    pid: child.pid,
    stderr: () => err,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

function statFields(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** user + system CPU seconds of a live process (all threads); 0 when it is gone. */
export function procCpu(pid) {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / CLK : 0;
}

/** CPU seconds of a process's main thread and of all its other threads (libuv pool, GC, workers). */
export function threadCpu(pid) {
  let main = 0;
  let other = 0;
  let tids = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {}
  for (const tid of tids) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      const cpu = (Number(f[11]) + Number(f[12])) / CLK;
      if (tid === String(pid)) main += cpu;
      else other += cpu;
    } catch {}
  }
  return { main, other };
}

/** Peak resident set (VmHWM) of a live process, in MB (MiB); 0 when gone. */
export function procPeakRss(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export function procChildren(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Resolves when `cond()` is true (checked every `everyMs`), rejects after `ms` with `what`. */
export async function until(cond, what, ms = 60_000, everyMs = 50) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`bench: timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
