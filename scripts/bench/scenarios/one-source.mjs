// One source, one big file: lanmesh's verified pull against nginx → curl over the same veth, with
// the downloader on tmpfs, on the real disk (curl then fsyncs), and a 2 GiB run for peak RSS.
import { join } from 'node:path';
import { registerScenario } from '../registry.mjs';
import { MiB, asideOfSize, checkCopy, dropAside, freshDir, setAside, sha256File, writeRandom } from '../files.mjs';
import { Nginx, curlGet, iperf } from '../refs.mjs';
import { lanmeshPull, prewarm } from './pull.mjs';
import { median, ratios } from '../stats.mjs';

function oneSource({ name, title, quickMiB, fullMiB, onDisk, goal, summary, withIperf }) {
  return {
    name,
    title,
    hosts: 2,
    goal,
    summary,
    async setup(ctx) {
      const [h1, h2] = ctx.lan.hosts;
      const mib = ctx.quick ? quickMiB : fullMiB;
      const seedDir = join(ctx.tmp, 'seed');
      const src = join(seedDir, 'shared', 'big.bin');
      ctx.log(`writing ${mib} MiB of random data`);
      await writeRandom(src, mib * MiB);
      const sha = await sha256File(src);
      await prewarm(ctx, h1, seedDir, 1);
      const nginx = await Nginx.start({ ns: h1.netns, address: h1.address, root: join(seedDir, 'shared'), prefix: join(ctx.tmp, 'nginx') });
      const dlRoot = onDisk ? ctx.disk : ctx.tmp;
      await asideOfSize(dlRoot, mib * MiB);
      return { ctx, h1, h2, seedDir, sha, nginx, dlRoot, title: title.replace(/^\d+ [GM]iB/, sizeText(mib)), dlDir: join(dlRoot, 'dl'), refDir: join(dlRoot, 'ref'), bytes: mib * MiB, params: { MiB: mib, downloader: onDisk ? 'disk' : 'tmpfs' } };
    },
    async lanmesh(st) {
      const r = await lanmeshPull(st.ctx, {
        seeders: [{ host: st.h1, dir: st.seedDir }],
        dl: { host: st.h2, dir: st.dlDir },
        files: [{ name: 'big.bin', sha: st.sha }],
        beforeStart: () => dropAside(st.dlRoot),
      });
      await setAside(join(st.dlDir, 'downloads', 'big.bin'), st.dlRoot);
      return r;
    },
    reference: {
      name: onDisk ? 'nginx → curl -o, then fsync' : 'nginx → curl -o',
      async run(st) {
        const out = join(await freshDir(st.refDir), 'big.bin');
        await dropAside(st.dlRoot);
        const r = await curlGet(st.h2.netns, [[`${st.nginx.url}/big.bin`, out]], { logDir: st.ctx.logDir, nginx: st.nginx, fsync: onDisk });
        await checkCopy(out, st.sha, 'curl copy of big.bin');
        await setAside(out, st.dlRoot);
        return r;
      },
    },
    extras: withIperf
      ? [{ name: 'iperf3', run: (st) => iperf(st.h1.netns, st.h1.address, st.h2.netns, st.bytes, { logDir: st.ctx.logDir }) }]
      : [],
    async teardown(st) {
      await st?.nginx.stop();
      if (st) await dropAside(st.dlRoot);
    },
  };
}

const sizeText = (mib) => (mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`);
const cpuPerGiB = (res) => median(res.rounds.filter((r) => r.lanmesh).map((r) => r.lanmesh.cpu)) / (res.params.MiB / 1024);

registerScenario(
  oneSource({
    name: 'pull-tmpfs',
    title: '1 GiB, one source, tmpfs',
    quickMiB: 64,
    fullMiB: 1024,
    onDisk: false,
    withIperf: true,
    goal: {
      maxRatio: 1.25,
      text: 'rate ≥ 0.8× nginx → curl; < 2 CPU-s per GiB, both peers',
      check(res) {
        const ratio = median(ratios(res));
        const cpu = cpuPerGiB(res);
        return { met: ratio <= 1.25 && cpu < 2, detail: `median ratio ${ratio.toFixed(2)} vs ≤ 1.25, ${cpu.toFixed(2)} CPU-s/GiB vs < 2` };
      },
    },
    summary: (res) => [`lanmesh CPU per GiB (median, both peers): ${cpuPerGiB(res).toFixed(2)} CPU-s (goal < 2)`],
  }),
);

registerScenario(
  oneSource({
    name: 'pull-disk',
    title: '1 GiB, one source, downloader on the real disk',
    quickMiB: 32,
    fullMiB: 1024,
    onDisk: true,
    goal: { maxRatio: 1.2, text: 'time ≤ 1.2× curl + fsync' },
  }),
);

registerScenario(
  oneSource({
    name: 'rss-2g',
    title: '2 GiB, one source: peak RSS',
    quickMiB: 128,
    fullMiB: 2048,
    onDisk: false,
    goal: { maxRssMb: 90, text: 'peak RSS ≤ 90 MB on each side' },
    summary(res) {
      const peak = (who) => Math.max(0, ...res.rounds.filter((r) => r.lanmesh).map((r) => r.lanmesh.rss[who] ?? 0));
      const ref = (who) => Math.max(0, ...res.rounds.filter((r) => r.reference).map((r) => r.reference.rss[who] ?? 0));
      const before = (who) => Math.max(0, ...res.rounds.filter((r) => r.lanmesh).map((r) => r.lanmesh.rssBefore?.[who] ?? 0));
      return [
        `peak RSS: seeder ${peak('seed1').toFixed(0)} MB, downloader ${peak('dl').toFixed(0)} MB (goal ≤ 90 each); nginx ${ref('nginx').toFixed(0)} MB, curl ${ref('curl').toFixed(0)} MB`,
        `peak RSS before the transfer began (the peers at rest, discovery and catalogs done): seeder ${before('seed1').toFixed(0)} MB, downloader ${before('dl').toFixed(0)} MB`,
      ];
    },
  }),
);
