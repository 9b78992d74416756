#!/usr/bin/env node
// Download benchmark on a namespace LAN (needs root; run after `tsc`): K holders of one random file and
// one downloader, each a real lanmesh process under /usr/bin/time -v; then, as the reference, a plain
// TCP copy of the same bytes over the same link. Prints time, rate, the per-holder split, the ratio to
// the reference, and every process's peak resident memory.
// Usage: node scripts/bench.mjs [--mib 2048] [--holders 2] [--mbit 0 | 400 | 100,400 (per holder; 0: no shaping)]
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const { createLan, lanUnavailableReason } = await import(join(ROOT, 'dist', 'test', 'support', 'lan.js'));

const { values } = parseArgs({
  options: { mib: { type: 'string', default: '2048' }, holders: { type: 'string', default: '2' }, mbit: { type: 'string', default: '0' } },
});
const MIB = Number(values.mib);
const HOLDERS = Number(values.holders);
const MBIT = values.mbit.split(',').map(Number);
const mbitOf = (i) => MBIT[Math.min(i, MBIT.length - 1)];
const PORT = 9001;

const why = lanUnavailableReason();
if (why) {
  console.log(`bench: skipped: ${why}`);
  process.exit(0);
}

/** A lanmesh process in a namespace under /usr/bin/time -v, driven in line mode. */
function startPeer(host, dir, name) {
  const argv = ['netns', 'exec', host.netns, '/usr/bin/time', '-v', process.execPath, CLI, '-t', String(PORT), '--dir', dir, '--name', name, '--no-tui'];
  const child = spawn('ip', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = [];
  child.stdout.setEncoding('utf8').on('data', (s) => {
    out += s;
    for (const w of [...waiters]) if (w.re.test(out.slice(w.from))) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  });
  child.stderr.setEncoding('utf8').on('data', (s) => (err += s));
  const exited = new Promise((r) => child.once('close', r));
  return {
    name,
    send: (line) => child.stdin.write(`${line}\n`),
    mark: () => out.length,
    output: () => out,
    waitFor: (re, from = 0, ms = 600_000) =>
      new Promise((resolve, reject) => {
        if (re.test(out.slice(from))) return resolve();
        const t = setTimeout(() => reject(new Error(`${name}: no ${re} within ${ms} ms\n${out.slice(-2000)}\n${err.slice(-2000)}`)), ms);
        waiters.push({ re, from, resolve: () => (clearTimeout(t), resolve()) });
      }),
    async exit() {
      child.stdin.write('exit\n');
      await exited;
      return peakRss(err);
    },
    kill: () => child.kill('SIGKILL'),
  };
}

function peakRss(timeOutput) {
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(timeOutput)?.[1] ?? NaN);
  return kb / 1024;
}

async function writeRandom(path, mib) {
  const fh = await open(path, 'wx');
  try {
    for (let i = 0; i < mib; i++) await fh.write(randomBytes(1 << 20));
  } finally {
    await fh.close();
  }
}

function sha256(path) {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (b) => h.update(b)).on('error', rej).on('end', () => res(h.digest('hex')));
  });
}

/** The reference: one plain TCP stream of the file from `from` to `to`, written to disk and fsynced. */
async function plainTcpCopy(lan, from, to, file, dest) {
  const server = `const s=require('net').createServer(c=>{require('fs').createReadStream(${JSON.stringify(file)}).pipe(c);s.close()});s.listen(9901,()=>console.log('up'))`;
  const client = `const fs=require('fs');const t=Date.now();const f=fs.createWriteStream(${JSON.stringify(dest)});require('net').connect(9901,${JSON.stringify(from.address)}).pipe(f).on('finish',()=>{fs.fsyncSync(fs.openSync(${JSON.stringify(dest)},'r'));console.log(Date.now()-t)})`;
  const srv = spawn('ip', ['netns', 'exec', from.netns, process.execPath, '-e', server], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => srv.stdout.once('data', r));
  const cli = spawn('ip', ['netns', 'exec', to.netns, process.execPath, '-e', client], { stdio: ['ignore', 'pipe', 'inherit'] });
  let ms = '';
  cli.stdout.on('data', (b) => (ms += b));
  await new Promise((r) => cli.once('close', r));
  srv.kill();
  void lan;
  return Number(ms.trim());
}

const fmt = (bytes, ms) => `${(bytes / 1048576 / (ms / 1000)).toFixed(1)} MiB/s`;

const tmp = await mkdtemp(join(tmpdir(), 'lanmesh-bench-'));
const lan = await createLan(HOLDERS + 1);
const peers = [];
try {
  const dirs = lan.hosts.map((_, i) => join(tmp, `peer${i + 1}`));
  for (const d of dirs) await mkdir(join(d, 'shared'), { recursive: true });
  const source = join(dirs[0], 'shared', 'big.bin');
  const shaped = MBIT.some((m) => m > 0);
console.log(`bench: ${MIB} MiB random file, ${HOLDERS} holder(s), 1 downloader${shaped ? `, holder links shaped to ${MBIT.join(', ')} Mbit/s` : ''}`);
  await writeRandom(source, MIB);
  for (let i = 1; i < HOLDERS; i++) await copyFile(source, join(dirs[i], 'shared', 'big.bin'));
  for (let i = 0; i < HOLDERS; i++) if (mbitOf(i) > 0) await lan.setLinkRate(lan.hosts[i], mbitOf(i) * 1e6);

  lan.hosts.forEach((h, i) => peers.push(startPeer(h, dirs[i], `peer${i + 1}`)));
  await Promise.all(peers.map((p) => p.waitFor(/^\* ready /m)));
  const dl = peers[HOLDERS];
  for (;;) {
    const m = dl.mark();
    dl.send('where big.bin');
    await dl.waitFor(/\n\n/, m);
    if (dl.output().slice(m).includes(`\n${HOLDERS} holder${HOLDERS === 1 ? '' : 's'}\n`)) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  const m = dl.mark();
  const t0 = Date.now();
  dl.send('download big.bin');
  await dl.waitFor(/^\* downloaded big\.bin.*$/m, m);
  const wall = Date.now() - t0;
  const line = /^\* downloaded big\.bin.*$/m.exec(dl.output().slice(m))[0];
  const ok = (await sha256(join(dirs[HOLDERS], 'downloads', 'big.bin'))) === (await sha256(source));
  const rss = [];
  for (const p of peers) rss.push(`${p.name} ${(await p.exit()).toFixed(0)} MB`);
  peers.length = 0;

  await rm(join(dirs[HOLDERS], 'downloads', 'big.bin'));
  const ref = await plainTcpCopy(lan, lan.hosts[0], lan.hosts[HOLDERS], source, join(dirs[HOLDERS], 'ref.bin'));
  const bytes = MIB * 1048576;
  console.log(`lanmesh:   ${(wall / 1000).toFixed(2)} s (${fmt(bytes, wall)}), sha256 ${ok ? 'equal' : 'DIFFERENT'}`);
  console.log(`  ${line}`);
  console.log(`plain TCP: ${(ref / 1000).toFixed(2)} s (${fmt(bytes, ref)}) from peer1's host over the same link`);
  console.log(`ratio:     lanmesh takes ${(wall / ref).toFixed(2)}x the plain copy's time`);
  console.log(`peak RSS:  ${rss.join(', ')}`);
  if (!ok) process.exitCode = 1;
} finally {
  for (const p of peers) p.kill();
  await lan.close();
  await rm(tmp, { recursive: true, force: true });
}
