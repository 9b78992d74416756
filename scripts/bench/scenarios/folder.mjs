// A folder of 2,000 files × 16 KiB (nested) from one holder (issue 12): `download <folder>/` against
// the same tree as one `tar | nc` stream over one TCP connection (the goal: ≤ 1.5× tar), and curl
// fetching every file from nginx with --parallel.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { registerScenario } from '../registry.mjs';
import { checkCopy, freshDir } from '../files.mjs';
import { Nginx, curlGet, tarNc } from '../refs.mjs';
import { prewarm } from './pull.mjs';

const SIZE = 16 * 1024;
const DIRS = ['src', 'src/lib', 'docs/Übersicht', 'assets/große Bilder', 'data'];

registerScenario({
  name: 'folder',
  title: 'folder of 2,000 files × 16 KiB, one source',
  hosts: 2,
  goal: { maxRatio: 1.5, text: 'download <folder>/ ≤ 1.5× one tar | nc stream of the tree' },
  async setup(ctx) {
    const [h1, h2] = ctx.lan.hosts;
    const count = ctx.quick ? 200 : 2000;
    const seedDir = join(ctx.tmp, 'seed');
    const tree = join(seedDir, 'shared', 'proj');
    const files = [];
    for (let i = 0; i < count; i++) {
      const rel = `${DIRS[i % DIRS.length]}/f ${String(i).padStart(4, '0')}.bin`;
      const data = randomBytes(SIZE);
      await mkdir(dirname(join(tree, rel)), { recursive: true });
      await writeFile(join(tree, rel), data, { flag: 'wx' });
      files.push({ rel, sha: createHash('sha256').update(data).digest('hex') });
    }
    await prewarm(ctx, h1, seedDir, count);
    const nginx = await Nginx.start({ ns: h1.netns, address: h1.address, root: tree, prefix: join(ctx.tmp, 'nginx') });
    return { ctx, h1, h2, seedDir, tree, files, nginx, title: `folder of ${count} files × ${SIZE / 1024} KiB, one source`, params: { files: count, KiB: SIZE / 1024 } };
  },
  async lanmesh(st) {
    const { ctx } = st;
    const dlDir = join(ctx.tmp, 'dl');
    await freshDir(join(dlDir, 'shared'));
    await freshDir(join(dlDir, 'downloads'));
    const seed = ctx.peer({ ns: st.h1.netns, dir: st.seedDir, name: 'seed1' });
    const d = ctx.peer({ ns: st.h2.netns, dir: dlDir, name: 'dl' });
    const all = [seed, d];
    await Promise.all(all.map((p) => p.waitLine(/^\* ready /)));
    const want = new RegExp(`^\\s+proj/ +${st.files.length} files`);
    await d.askUntil('list', (a) => a.some((l) => want.test(l)), 'the folder on the mesh', 120_000);
    const cpu0 = all.map((p) => p.cpu());
    const m = d.mark();
    const t0 = performance.now();
    d.send('download proj/');
    const end = await d.waitCount(/^\* downloaded proj\/|^error: /, 1, m, ctx.quick ? 120_000 : 600_000);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = all.reduce((s, p, i) => s + p.cpu() - cpu0[i], 0);
    const rss = Object.fromEntries(all.map((p) => [p.name, p.peakRss()]));
    const line = d.lines[end - 1];
    const warnings = d.warnings(m).length;
    await Promise.all(all.map((p) => p.exit()));
    if (!/^\* downloaded /.test(line)) throw new Error(`folder download failed: ${line}`);
    await checkAll(st, join(dlDir, 'downloads', 'proj'), 'lanmesh', false);
    return { seconds, cpu, rss, warnings, line };
  },
  reference: {
    name: 'tar | nc, one TCP connection',
    async run(st) {
      const dir = await freshDir(join(st.ctx.tmp, 'tar'));
      const r = await tarNc(st.h1.netns, st.tree, st.h2.netns, st.h2.address, dir, { logDir: st.ctx.logDir });
      await checkAll(st, dir, 'tar');
      return r;
    },
  },
  extras: [
    {
      name: 'curl --parallel from nginx',
      async run(st) {
        const dir = await freshDir(join(st.ctx.tmp, 'curl'));
        for (const d of DIRS) await mkdir(join(dir, d), { recursive: true });
        const pairs = st.files.map((f) => [`${st.nginx.url}/${f.rel.split('/').map(encodeURIComponent).join('/')}`, join(dir, f.rel)]);
        const r = await curlGet(st.h2.netns, pairs, { logDir: st.ctx.logDir, nginx: st.nginx, parallel: true });
        await checkAll(st, dir, 'curl');
        return r;
      },
    },
  ],
  summary(res) {
    const ms = res.rounds.filter((r) => r.lanmesh).map((r) => (r.lanmesh.seconds * 1000) / res.params.files);
    return [`lanmesh per file: ${ms.map((x) => x.toFixed(3)).join(', ')} ms`];
  },
  async teardown(st) {
    await st?.nginx.stop();
  },
});

async function checkAll(st, dir, who, remove = true) {
  for (const f of st.files) await checkCopy(join(dir, f.rel), f.sha, `${who} copy of ${f.rel}`);
  if (remove) await rm(dir, { recursive: true });
}
