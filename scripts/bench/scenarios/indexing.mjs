// Cold indexing (no .lanmesh/ yet): a peer started on a folder until its `list` shows every file,
// against openssl dgst -sha256 over the same files. Big files and small files are separate scenarios,
// because their goals differ; an empty folder's start is measured too, to take node's start-up out.
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { registerScenario } from '../registry.mjs';
import { MiB, writeRandom } from '../files.mjs';
import { opensslHash } from '../refs.mjs';
import { waitFilesOnMesh } from './pull.mjs';
import { median } from '../stats.mjs';

/** A goal met when the median of `perRound(res)` is at most `limit`. */
const atMost = (text, perRound, limit, say) => ({
  text,
  check(res) {
    const m = median(perRound(res));
    return Number.isFinite(m) ? { met: m <= limit, detail: `${say(m)} vs ≤ ${limit}` } : undefined;
  },
});

const full = (res) => res.rounds.filter((r) => r.lanmesh && r.reference && r['lanmesh, empty folder']);

/** (lanmesh − its empty-folder start) ÷ openssl in wall time, per round. Misleads when hashing overlaps the start-up's own wait. */
const netRatios = (res) => full(res).map((r) => (r.lanmesh.seconds - r['lanmesh, empty folder'].seconds) / r.reference.seconds);

/** The same in CPU seconds: what indexing costs whether or not it hides behind the start-up wait. */
const cpuRatios = (res) => full(res).map((r) => (r.lanmesh.cpu - r['lanmesh, empty folder'].cpu) / r.reference.cpu);

/** ms per small file above openssl, lanmesh's own start-up (the empty folder's) taken out, per round. */
const perFile = (res) => full(res).map((r) => ((r.lanmesh.seconds - r['lanmesh, empty folder'].seconds - r.reference.seconds) * 1000) / res.params.files);

/** The same in CPU ms per file. */
const cpuPerFile = (res) => full(res).map((r) => ((r.lanmesh.cpu - r['lanmesh, empty folder'].cpu - r.reference.cpu) * 1000) / res.params.files);

/** Spawn → `list` shows `count` files, with a folder that has no .lanmesh/ (nothing cached). */
async function coldStart(ctx, host, dir, count) {
  await rm(join(dir, '.lanmesh'), { recursive: true, force: true });
  const t0 = performance.now();
  const p = ctx.peer({ ns: host.netns, dir, name: 'idx' });
  await p.waitLine(/^\* ready /);
  // Not too often: each `list` answer (one line per file) costs the peer CPU, which is measured.
  if (count > 0) await waitFilesOnMesh(p, count, 600_000, 200);
  else await p.ask('list');
  const seconds = (performance.now() - t0) / 1000;
  const cpu = p.cpu();
  const rss = { idx: p.peakRss() };
  await p.exit();
  return { seconds, cpu, rss };
}

function indexing({ name, title, goal, make, summary }) {
  return {
    name,
    title: title({ files: name === 'index-big' ? 4 : 2000, MiB: 256, KiB: 4 }),
    hosts: 1,
    goal,
    summary,
    async setup(ctx) {
      const dir = join(ctx.tmp, 'peer');
      const shared = join(dir, 'shared');
      await mkdir(shared, { recursive: true });
      const { paths, params } = await make(ctx, shared);
      // Older than the store's settle time, so nothing waits for files to stop changing.
      const past = new Date(Date.now() - 60_000);
      for (const p of paths) await utimes(p, past, past);
      const empty = join(ctx.tmp, 'empty');
      await mkdir(join(empty, 'shared'), { recursive: true });
      return { ctx, host: ctx.lan.hosts[0], dir, empty, paths, params, title: title(params) };
    },
    lanmesh: (st) => coldStart(st.ctx, st.host, st.dir, st.paths.length),
    reference: { name: 'openssl dgst -sha256', run: (st) => opensslHash(st.paths, { logDir: st.ctx.logDir }) },
    extras: [{ name: 'lanmesh, empty folder', run: (st) => coldStart(st.ctx, st.host, st.empty, 0) }],
  };
}

registerScenario(
  indexing({
    name: 'index-big',
    title: (p) => `cold index, ${p.files} × ${p.MiB} MiB`,
    goal: atMost('rate ≥ 0.8× openssl (CPU-s of indexing: lanmesh to listed minus an empty folder\'s start, ÷ openssl\'s)', cpuRatios, 1.25, (r) => `median CPU ratio ${r.toFixed(2)}`),
    summary: (res) => [
      `indexing CPU-s ÷ openssl's, per round (an empty folder's start taken out): ${cpuRatios(res).map((x) => x.toFixed(2)).join(', ')}`,
      `the same in wall time: ${netRatios(res).map((x) => x.toFixed(2)).join(', ')} (hashing runs during the start-up's own discovery wait, so the wall time hides it)`,
    ],
    async make(ctx, shared) {
      const mib = ctx.quick ? 16 : 256;
      const paths = [];
      for (let i = 1; i <= 4; i++) {
        const p = join(shared, `big${i}.bin`);
        await writeRandom(p, mib * MiB);
        paths.push(p);
      }
      return { paths, params: { files: 4, MiB: mib } };
    },
  }),
);

registerScenario(
  indexing({
    name: 'index-small',
    title: (p) => `cold index, ${p.files} × ${p.KiB} KiB`,
    goal: atMost('≤ 0.1 ms per small file above openssl (CPU ms; an empty folder\'s start taken out)', cpuPerFile, 0.1, (ms) => `${ms.toFixed(3)} CPU-ms per file`),
    async make(ctx, shared) {
      const n = ctx.quick ? 200 : 2000;
      const dir = join(shared, 'small');
      await mkdir(dir);
      const paths = [];
      for (let i = 0; i < n; i++) {
        const p = join(dir, `f${String(i).padStart(4, '0')}.bin`);
        await writeFile(p, randomBytes(4096), { flag: 'wx' });
        paths.push(p);
      }
      return { paths, params: { files: n, KiB: 4 } };
    },
    summary: (res) => [
      `lanmesh CPU per small file above openssl, its own start-up taken out, per round: ${cpuPerFile(res).map((x) => x.toFixed(3)).join(', ')} ms (goal ≤ 0.1)`,
      `the same in wall time: ${perFile(res).map((x) => x.toFixed(3)).join(', ')} ms (hidden behind the start-up's discovery wait)`,
    ],
  }),
);
