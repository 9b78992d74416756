#!/usr/bin/env node
// lanmesh's benchmark (root: it builds namespace LANs and mounts a tmpfs; run after `tsc`). Each
// scenario runs lanmesh and the tool a user would otherwise pick, interleaved, for several rounds;
// every copy's SHA-256 is checked. Writes bench/results/latest.{json,md,svg}.
// Usage: npm run bench [-- --quick] [--only NAME[,NAME]] [--rounds N] [--list] [--out DIR] [--cpu-prof DIR]
// (--cpu-prof: every lanmesh peer writes a .cpuprofile into DIR; the figures then include the profiler's cost;
//  --cli PATH: another build's dist/src/cli.js, to compare builds on the same machine;
//  env LANMESH_BENCH_NODE_FLAGS='--trace-gc' adds node flags to every peer, LANMESH_BENCH_STDERR=DIR keeps their output)
// The scenarios live in scripts/bench/scenarios/ (see registry.mjs to add one).
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { allScenarios } from './bench/registry.mjs';
import './bench/scenarios/index.mjs';
import { ensureTools, machineInfo } from './bench/machine.mjs';
import { REFERENCE_TOOLS } from './bench/refs.mjs';
import { mountTmpfs } from './bench/files.mjs';
import { runScenario } from './bench/runner.mjs';
import { writeResults } from './bench/report.mjs';
import { pausePageReporting } from './bench/page-reporting.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    list: { type: 'boolean', default: false },
    out: { type: 'string' },
    'cpu-prof': { type: 'string' },
    cli: { type: 'string' },
  },
});
const log = (m) => console.error(`${new Date().toISOString().slice(11, 19)} bench: ${m}`);

if (values.list) {
  for (const s of allScenarios()) console.log(`${s.name.padEnd(14)} ${s.title}`);
  process.exit(0);
}
const wanted = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
const scenarios = allScenarios().filter((s) => !wanted || wanted.includes(s.name));
const unknown = (wanted ?? []).filter((w) => !allScenarios().some((s) => s.name === w));
if (unknown.length || scenarios.length === 0) {
  console.error(`bench: no scenario named ${unknown.join(', ') || values.only}; --list shows them`);
  process.exit(2);
}
const rounds = values.rounds ? Number(values.rounds) : values.quick ? 1 : 3;
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) {
  console.error(`bench: --rounds must be 1..20, got ${values.rounds}`);
  process.exit(2);
}
const lanSupport = await import(join(ROOT, 'dist', 'test', 'support', 'lan.js')).catch(() => undefined);
if (!lanSupport) {
  console.error('bench: dist/ is missing: run `npm run build` first (npm run bench does)');
  process.exit(2);
}
const why = lanSupport.lanUnavailableReason();
if (why) {
  // A skip, said plainly: CI without root must not look like a pass of the numbers.
  console.log(`bench: SKIPPED: ${why}`);
  process.exit(0);
}
ensureTools(REFERENCE_TOOLS, log);

const outDir = resolve(values.out ?? join(ROOT, 'bench', 'results'));
const machine = machineInfo();
const work = await mkdtemp(join(tmpdir(), 'lanmesh-bench-'));
// nginx's worker runs unprivileged: it must be able to walk into the folders it serves.
await chmod(work, 0o755);
const logDir = join(work, 'logs');
await mkdir(logDir);
const tmpfs = await mountTmpfs(work, values.quick ? 2 : 9);
const reporting = pausePageReporting(log);
if (reporting.note) machine.memoryNote = reporting.note;
const stop = () => {
  log('interrupted: cleaning up');
  process.exitCode = 130;
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

// LANMESH_BENCH_NODE_FLAGS (e.g. --trace-gc) goes to every lanmesh peer's node as well.
const nodeFlags = [
  ...(values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(values['cpu-prof'])] : []),
  ...(process.env.LANMESH_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
];
const started = performance.now();
const results = [];
let failure;
try {
  log(`${scenarios.length} scenario(s), ${rounds} round(s)${values.quick ? ', quick sizes' : ''}; machine: ${machine.cores} cores, ${machine.cpu}`);
  for (const s of scenarios) {
    if (process.exitCode === 130) break;
    const env = { lanSupport, tmpfs: tmpfs.dir, diskRoot: join(work, 'disk'), quick: values.quick, cli: values.cli ? resolve(values.cli) : join(ROOT, 'dist', 'src', 'cli.js'), logDir, rounds, log, nodeFlags };
    results.push(await runScenario(s, env));
  }
} catch (e) {
  failure = e;
} finally {
  reporting.restore();
  await tmpfs.close();
  await rm(work, { recursive: true, force: true });
}
const run = { machine, quick: values.quick, rounds, wallSeconds: (performance.now() - started) / 1000, scenarios: results };
if (results.length) {
  await writeResults(outDir, run);
  log(`results in ${outDir}/latest.{md,svg,json}`);
}
const failedRuns = results.flatMap((r) => r.errors.map((e) => `${r.name}: ${e}`));
if (failure) {
  console.error(`\nbench: FAILED: ${failure.message}`);
  process.exitCode = 1;
} else if (failedRuns.length) {
  console.error(`\nbench: ${failedRuns.length} run(s) failed:\n  ${failedRuns.join('\n  ')}`);
  process.exitCode = 1;
}
if (results.length) console.log((await import('./bench/report.mjs')).markdown(run));
