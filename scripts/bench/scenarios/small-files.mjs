// Many small files from one source: lanmesh downloading every one of them (all requested at once)
// against curl fetching them all over one keep-alive connection and a `tar | nc` stream.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { registerScenario } from '../registry.mjs';
import { checkCopy, freshDir } from '../files.mjs';
import { Nginx, curlGet, tarNc } from '../refs.mjs';
import { lanmeshPull, prewarm } from './pull.mjs';

const SIZE = 16 * 1024;

registerScenario({
  name: 'small-files',
  title: '500 files × 16 KiB, one source',
  hosts: 2,
  goal: { maxRatio: 2.0, text: 'time ≤ 2× curl over one keep-alive connection (≤ 1.5× tar | nc with the folders issue)' },
  async setup(ctx) {
    const [h1, h2] = ctx.lan.hosts;
    const count = ctx.quick ? 50 : 500;
    const seedDir = join(ctx.tmp, 'seed');
    const shared = join(seedDir, 'shared');
    await mkdir(shared, { recursive: true });
    const files = [];
    for (let i = 0; i < count; i++) {
      const data = randomBytes(SIZE);
      const name = `f${String(i).padStart(4, '0')}.bin`;
      await writeFile(join(shared, name), data, { flag: 'wx' });
      files.push({ name, sha: createHash('sha256').update(data).digest('hex') });
    }
    await prewarm(ctx, h1, seedDir, count);
    const nginx = await Nginx.start({ ns: h1.netns, address: h1.address, root: shared, prefix: join(ctx.tmp, 'nginx') });
    return { ctx, h1, h2, seedDir, shared, files, nginx, title: `${count} files × ${SIZE / 1024} KiB, one source`, params: { files: count, KiB: SIZE / 1024 } };
  },
  async lanmesh(st) {
    const dlDir = join(st.ctx.tmp, 'dl');
    return lanmeshPull(st.ctx, { seeders: [{ host: st.h1, dir: st.seedDir }], dl: { host: st.h2, dir: dlDir }, files: st.files });
  },
  reference: {
    name: 'curl, one keep-alive connection',
    async run(st) {
      const dir = await freshDir(join(st.ctx.tmp, 'curl'));
      const r = await curlGet(st.h2.netns, st.files.map((f) => [`${st.nginx.url}/${f.name}`, join(dir, f.name)]), { logDir: st.ctx.logDir, nginx: st.nginx });
      await checkAll(st, dir, 'curl');
      return r;
    },
  },
  extras: [
    {
      name: 'tar | nc',
      async run(st) {
        const dir = await freshDir(join(st.ctx.tmp, 'tar'));
        const r = await tarNc(st.h1.netns, st.shared, st.h2.netns, st.h2.address, dir, { logDir: st.ctx.logDir });
        await checkAll(st, dir, 'tar');
        return r;
      },
    },
  ],
  summary(res) {
    const ms = res.rounds.filter((r) => r.lanmesh).map((r) => (r.lanmesh.seconds * 1000) / res.params.files);
    const w = res.rounds.filter((r) => r.lanmesh).map((r) => r.lanmesh.warnings);
    return [`lanmesh per file: ${ms.map((x) => x.toFixed(2)).join(', ')} ms; warnings per run: ${w.join(', ')}`];
  },
  async teardown(st) {
    await st?.nginx.stop();
  },
});

async function checkAll(st, dir, who) {
  for (const f of st.files) await checkCopy(join(dir, f.name), f.sha, `${who} copy of ${f.name}`);
  await rm(dir, { recursive: true });
}
