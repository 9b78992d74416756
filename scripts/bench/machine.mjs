// What the benchmark ran on (cores, memory, CPU model, kernel, date), and the reference tools it
// needs, installed from Debian with apt-get when missing.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

export function machineInfo() {
  let model = cpus()[0]?.model ?? '?';
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {}
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpu: model.trim(),
    kernel: release(),
    node: process.version,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
}

function have(cmd) {
  if (cmd.startsWith('/')) return spawnSync('test', ['-x', cmd]).status === 0;
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Installs the Debian packages of every missing command (apt-get update once first); throws when that fails. */
export function ensureTools(tools, log) {
  const missing = [...new Set(Object.entries(tools).filter(([cmd]) => !have(cmd)).map(([, pkg]) => pkg))];
  if (missing.length === 0) return;
  log(`installing ${missing.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const argv of [['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing]]) {
    const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) throw new Error(`bench: '${argv.join(' ')}' failed (exit ${r.status}); install ${missing.join(' ')} by hand`);
  }
  const still = Object.keys(tools).filter((c) => !have(c));
  if (still.length) throw new Error(`bench: still missing after apt-get: ${still.join(' ')}`);
}
