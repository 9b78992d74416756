#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) in its own process, as root inside a private
// network namespace, with a per-file timeout; sums uvu's counts and ends with "N passed, N failed, N skipped".
// Usage: node scripts/run-tests.mjs [FILTER...]   (a file runs when its path contains any FILTER)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIR = join(ROOT, 'dist', 'test');
const GROUP_ORDER = ['unit', 'net', 'ui', 'e2e'];
const NETNS_RUN = resolve(ROOT, '..', 'shared', 'tools', 'netns-run');
// Same setup as netns-run, for checkouts without ../shared: loopback up and carrying multicast.
const UNSHARE_SCRIPT =
  'ip link set lo up; ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo; exec "$@"';
// test/support/lan.ts names its namespaces lm<pid>x<tag>…; the runner removes what a file leaked.
const LAN_NETNS_RE = /^lm(\d+)x[0-9a-z]+(?:h\d+|sw)$/;
const ANSI_RE = /\u001b\[[0-9;]*[A-Za-z]/g;

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
  if (probe.status === 0) return { prefix, note: 'each file runs under unshare --net (../shared/tools/netns-run not found)' };
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
    let timedOut = false;
    // Own process group: a timeout or an interrupt kills the file and every process it started.
    const child = spawn(argv[0], argv.slice(1), {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, LANMESH_TEST_NETNS: wrapper.prefix.length ? '1' : '0' },
    });
    state.current = child;
    child.stdout.on('data', (b) => {
      stdout += b.toString('utf8');
      process.stdout.write(b);
    });
    child.stderr.on('data', (b) => process.stderr.write(b));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      state.current = undefined;
      resolveRun({ code: null, signal: null, stdout, timedOut, spawnError: err, ms: Date.now() - started, leaks: [] });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      state.current = undefined;
      const leaks = [];
      if (processGroupAlive(child.pid)) {
        leaks.push('left processes running (killed)');
        killGroup(child.pid, 'SIGKILL');
      }
      if (process.getuid?.() === 0) {
        const ns = removeLeakedNamespaces(child.pid);
        if (ns.length) leaks.push(`left network namespaces ${ns.join(' ')} (deleted)`);
      }
      resolveRun({ code, signal, stdout, timedOut, ms: Date.now() - started, leaks });
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
  const state = { current: undefined, interrupted: false };

  const printSummary = () => {
    console.log('');
    if (failures.length) {
      console.log(`Failed files (${failures.length}):`);
      for (const f of failures) console.log(`  ${f.file}: ${f.reason}`);
    }
    console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  };
  const onSignal = (sig) => {
    if (state.interrupted) return;
    state.interrupted = true;
    if (state.current?.pid) killGroup(state.current.pid, 'SIGKILL');
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
  console.log(`run-tests: ${files.length} file(s), timeout ${timeoutMs / 1000} s each; ${wrapper.note}`);
  for (const file of files) {
    if (state.interrupted) break;
    const name = relative(ROOT, file);
    console.log(`\n${rule(name)}`);
    const run = await runFile(file, wrapper, timeoutMs, state);
    const verdict = judge(run, timeoutMs);
    if (state.interrupted) {
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
      failures.push({ file: name, reason: verdict.reason });
      console.log(`FAIL ${name}: ${verdict.reason} (${counts}, ${secs} s)`);
    } else {
      console.log(`ok   ${name} (${counts}, ${secs} s)`);
    }
  }
  printSummary();
  process.exitCode = totals.failed > 0 || state.interrupted ? 1 : 0;
}

await main();
