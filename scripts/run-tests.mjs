#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) in its own process, as root inside a private
// network namespace, with a per-file timeout; sums uvu's counts and ends with "N passed, N failed, N skipped".
// Usage: node scripts/run-tests.mjs [FILTER...]   (a file runs when its path contains any FILTER)
// LANMESH_TEST_JOBS=N runs N files at once (default 2). Files can share the machine because each one runs in
// a namespace of its own and names its LAN namespaces after its own pid; each file's output is printed whole,
// in the usual order, once it and the files before it are done.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIR = join(ROOT, 'dist', 'test');
const GROUP_ORDER = ['unit', 'net', 'ui', 'e2e'];
// The repo's copy of ../shared/tools/netns-run, so a user's clone runs the tests the same way.
const NETNS_RUN = join(ROOT, 'scripts', 'netns-run');
// Same setup as netns-run, should that script be missing: loopback up and carrying multicast.
const UNSHARE_SCRIPT =
  'ip link set lo up; ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo; exec "$@"';
// test/support/lan.ts names its namespaces lm<pid>x<tag>…; the runner removes what a file leaked.
const LAN_NETNS_RE = /^lm(\d+)x[0-9a-z]+(?:h\d+|sw\d*|rt)$/;
const ANSI_RE = /\u001b\[[0-9;]*[A-Za-z]/g;

function parseJobs() {
  const raw = process.env.LANMESH_TEST_JOBS;
  if (raw === undefined || raw === '') return 2;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 16) {
    console.error(`run-tests: LANMESH_TEST_JOBS must be a whole number from 1 to 16, got '${raw}'`);
    process.exit(2);
  }
  return n;
}

function parseTimeoutMs() {
  const raw = process.env.LANMESH_TEST_TIMEOUT;
  if (raw === undefined || raw === '') return 240_000;
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0) {
    console.error(`run-tests: LANMESH_TEST_TIMEOUT must be a positive number of seconds, got '${raw}'`);
    process.exit(2);
  }
  return Math.round(s * 1000);
}

function findTestFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTestFiles(p));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

function groupRank(file) {
  const top = relative(TEST_DIR, file).split(/[\\/]/)[0];
  const i = GROUP_ORDER.indexOf(top);
  return i < 0 ? GROUP_ORDER.length : i;
}

function orderedFiles(filters) {
  const rel = (f) => relative(ROOT, f);
  return findTestFiles(TEST_DIR)
    .filter((f) => filters.length === 0 || filters.some((s) => rel(f).includes(s)))
    .sort((a, b) => groupRank(a) - groupRank(b) || rel(a).localeCompare(rel(b)));
}

/** How to isolate each file: netns-run, else unshare, else nothing (with the reason). */
function chooseWrapper() {
  if (process.getuid?.() !== 0) return { prefix: [], note: 'not root: test files run without a private network namespace' };
  if (existsSync(NETNS_RUN)) return { prefix: [NETNS_RUN], note: `each file runs under ${relative(ROOT, NETNS_RUN)}` };
  const prefix = ['unshare', '--net', 'sh', '-c', UNSHARE_SCRIPT, 'sh'];
  const probe = spawnSync(prefix[0], [...prefix.slice(1), 'true'], { stdio: 'ignore' });
  if (probe.status === 0) return { prefix, note: 'each file runs under unshare --net (scripts/netns-run not found)' };
  return { prefix: [], note: 'WARNING: cannot create a network namespace (unshare failed): files run without one' };
}

/** uvu prints Total/Passed/Skipped when a file's last suite finishes; Total excludes skipped tests. */
function parseSummary(text) {
  const clean = text.replace(ANSI_RE, '');
  const num = (label) => {
    const all = [...clean.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)\\s*$`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : undefined;
  };
  const total = num('Total');
  const passed = num('Passed');
  const skipped = num('Skipped');
  if (total === undefined || passed === undefined || skipped === undefined) return undefined;
  return { total, passed, skipped };
}

function processGroupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** Namespaces that test/support/lan.ts made from process `pid` and did not delete. */
function removeLeakedNamespaces(pid) {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (list.status !== 0) return [];
  const names = list.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n && LAN_NETNS_RE.exec(n)?.[1] === String(pid));
  for (const n of names) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
  return names;
}

function runFile(file, wrapper, timeoutMs, state) {
  return new Promise((resolveRun) => {
    const argv = [...wrapper.prefix, process.execPath, '--enable-source-maps', file];
    const started = Date.now();
    let stdout = '';
    // stdout and stderr in arrival order, printed whole when the file is done (files run side by side).
    let output = '';
    let timedOut = false;
    // Own process group: a timeout or an interrupt kills the file and every process it started.
    const child = spawn(argv[0], argv.slice(1), {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, LANMESH_TEST_NETNS: wrapper.prefix.length ? '1' : '0' },
    });
    state.running.add(child);
    child.stdout.on('data', (b) => {
      const text = b.toString('utf8');
      stdout += text;
      output += text;
    });
    child.stderr.on('data', (b) => {
      output += b.toString('utf8');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      state.running.delete(child);
      resolveRun({ code: null, signal: null, stdout, output, timedOut, spawnError: err, ms: Date.now() - started, leaks: [] });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      state.running.delete(child);
      const leaks = [];
      if (processGroupAlive(child.pid)) {
        leaks.push('left processes running (killed)');
        killGroup(child.pid, 'SIGKILL');
      }
      if (process.getuid?.() === 0) {
        const ns = removeLeakedNamespaces(child.pid);
        if (ns.length) leaks.push(`left network namespaces ${ns.join(' ')} (deleted)`);
      }
      resolveRun({ code, signal, stdout, output, timedOut, ms: Date.now() - started, leaks });
    });
  });
}

/** Turns one file's run into counts and, when it failed, the reason. */
function judge(run, timeoutMs) {
  const summary = parseSummary(run.stdout);
  const counts = summary
    ? { passed: summary.passed, failed: Math.max(0, summary.total - summary.passed), skipped: summary.skipped }
    : { passed: 0, failed: 0, skipped: 0 };
  let reason;
  if (run.spawnError) reason = `could not start: ${run.spawnError.message}`;
  else if (run.timedOut) reason = `timed out after ${timeoutMs / 1000} s (killed)`;
  else if (run.signal) reason = `killed by ${run.signal}`;
  else if (!summary) reason = `printed no uvu summary (exit code ${run.code})`;
  else if (counts.failed > 0) reason = `${counts.failed} test(s) failed`;
  else if (run.code !== 0) reason = `exit code ${run.code} although every test passed`;
  if (reason) counts.failed = Math.max(1, counts.failed);
  return { ...counts, reason };
}

/** The part of a failed file's output that says why: from uvu's first failure mark, at most 80 lines. */
function failureDetail(output) {
  const lines = (output ?? '').trimEnd().split('\n');
  const first = lines.findIndex((l) => /FAIL |✘/.test(l));
  const from = first >= 0 ? first : Math.max(0, lines.length - 40);
  const shown = lines.slice(from, from + 80);
  if (from + 80 < lines.length) shown.push(`[… ${lines.length - from - 80} more lines: see the file's section above]`);
  return shown.join('\n');
}

function rule(title) {
  const line = `── ${title} `;
  return line + '─'.repeat(Math.max(4, 78 - line.length));
}

async function main() {
  const filters = process.argv.slice(2);
  const timeoutMs = parseTimeoutMs();
  const files = orderedFiles(filters);
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const failures = [];
  const state = { running: new Set(), interrupted: false };
  const jobs = parseJobs();

  const printSummary = () => {
    console.log('');
    if (failures.length) {
      console.log(`Failed files (${failures.length}):`);
      for (const f of failures) console.log(`  ${f.file}: ${f.reason}`);
      // Repeated here, next to the summary, because a CI log is often read from its tail only.
      for (const f of failures) {
        if (!f.detail) continue;
        console.log(`\n${rule(`why ${f.file} failed`)}`);
        console.log(f.detail);
      }
      console.log('');
    }
    console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  };
  const onSignal = (sig) => {
    if (state.interrupted) return;
    state.interrupted = true;
    for (const child of state.running) if (child.pid) killGroup(child.pid, 'SIGKILL');
    console.log(`\nrun-tests: interrupted by ${sig}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  if (files.length === 0) {
    const where = filters.length ? ` matching ${filters.map((f) => `'${f}'`).join(', ')}` : '';
    console.log(`run-tests: no test files${where} under ${relative(ROOT, TEST_DIR)} (did tsc run?)`);
    failures.push({ file: relative(ROOT, TEST_DIR), reason: 'no test files found' });
    printSummary();
    process.exitCode = 1;
    return;
  }

  const wrapper = chooseWrapper();
  const started = Date.now();
  console.log(`run-tests: ${files.length} file(s), ${jobs} at a time, timeout ${timeoutMs / 1000} s each; ${wrapper.note}`);
  const report = (file, run) => {
    const name = relative(ROOT, file);
    console.log(`\n${rule(name)}`);
    if (run === undefined) {
      failures.push({ file: name, reason: 'not run (interrupted)' });
      console.log(`FAIL ${name}: not run (interrupted)`);
      totals.failed += 1;
      return;
    }
    process.stdout.write(run.output);
    if (run.output && !run.output.endsWith('\n')) process.stdout.write('\n');
    const verdict = judge(run, timeoutMs);
    if (run.interrupted) {
      verdict.reason = 'interrupted before it finished';
      verdict.failed = Math.max(1, verdict.failed);
    }
    totals.passed += verdict.passed;
    totals.failed += verdict.failed;
    totals.skipped += verdict.skipped;
    for (const leak of run.leaks) console.log(`run-tests: WARNING ${name} ${leak}`);
    const secs = (run.ms / 1000).toFixed(1);
    const counts = `${verdict.passed} passed, ${verdict.failed} failed, ${verdict.skipped} skipped`;
    if (verdict.reason) {
      failures.push({ file: name, reason: verdict.reason, detail: failureDetail(run.output) });
      console.log(`FAIL ${name}: ${verdict.reason} (${counts}, ${secs} s)`);
    } else {
      console.log(`ok   ${name} (${counts}, ${secs} s)`);
    }
  };

  // A pool of `jobs` workers takes files in order; results are reported in that same order.
  const results = new Array(files.length);
  let nextToStart = 0;
  let nextToReport = 0;
  const flush = () => {
    while (nextToReport < files.length && results[nextToReport] !== undefined) {
      const r = results[nextToReport];
      report(files[nextToReport], r === 'skipped' ? undefined : r);
      nextToReport++;
    }
  };
  const worker = async () => {
    while (nextToStart < files.length) {
      const i = nextToStart++;
      if (state.interrupted) {
        results[i] = 'skipped';
      } else {
        const run = await runFile(files[i], wrapper, timeoutMs, state);
        run.interrupted = state.interrupted;
        results[i] = run;
      }
      flush();
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
  flush();
  console.log(`\nrun-tests: ${files.length} file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  printSummary();
  process.exitCode = totals.failed > 0 || state.interrupted ? 1 : 0;
}

await main();
