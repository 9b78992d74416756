// Three seeders, each link shaped to 200 Mbit/s: lanmesh pulling from all three against aria2c
// splitting the file over three nginx mirrors. Also counts the bytes each seeder put on its link.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { registerScenario } from '../registry.mjs';
import { MiB, checkCopy, freshDir, sha256File, writeRandom } from '../files.mjs';
import { Nginx, aria2Get } from '../refs.mjs';
import { lanmeshPull, prewarm, txBytes } from './pull.mjs';
import { median, ratios } from '../stats.mjs';

const SEEDERS = 3;
const MBIT = 200;

const pick = (res, v, k) => median(res.rounds.filter((r) => r[v]).map((r) => r[v][k]));

registerScenario({
  name: 'swarm-3',
  title: '256 MiB, 3 seeders at 200 Mbit/s each',
  hosts: SEEDERS + 1,
  goal: {
    maxRatio: 1.0,
    text: 'rate ≥ aria2c and ≥ 95 % of the link sum; seeders send ≤ 1.01× the file',
    check(res) {
      const ratio = median(ratios(res));
      const share = pick(res, 'lanmesh', 'linkShare');
      // Bytes on the seeders' links, headers included (small: the veths count GSO segments).
      const sent = pick(res, 'lanmesh', 'sentRatio');
      return {
        met: ratio <= 1 && share >= 0.95 && sent <= 1.01,
        detail: `median ratio ${ratio.toFixed(3)} vs ≤ 1, ${(share * 100).toFixed(1)} % of the link sum vs ≥ 95 %, sent ${sent.toFixed(3)}× the file vs ≤ 1.01`,
      };
    },
  },
  async setup(ctx) {
    const hosts = ctx.lan.hosts;
    const mib = ctx.quick ? 32 : 256;
    const dirs = hosts.slice(0, SEEDERS).map((h) => join(ctx.tmp, `seed-${h.name}`));
    const src = join(dirs[0], 'shared', 'big.bin');
    await writeRandom(src, mib * MiB);
    const sha = await sha256File(src);
    for (const d of dirs.slice(1)) {
      await mkdir(join(d, 'shared'), { recursive: true });
      await copyFile(src, join(d, 'shared', 'big.bin'));
    }
    await Promise.all(dirs.map((d, i) => prewarm(ctx, hosts[i], d, 1)));
    for (const h of hosts.slice(0, SEEDERS)) await ctx.lan.setLinkRate(h, MBIT * 1e6);
    const nginxes = [];
    for (const [i, d] of dirs.entries()) {
      nginxes.push(await Nginx.start({ ns: hosts[i].netns, address: hosts[i].address, root: join(d, 'shared'), prefix: join(ctx.tmp, `nginx${i}`) }));
    }
    return { ctx, hosts, dirs, sha, nginxes, title: `${mib} MiB, ${SEEDERS} seeders at ${MBIT} Mbit/s each`, bytes: mib * MiB, dl: hosts[SEEDERS], params: { MiB: mib, seeders: SEEDERS, mbitEach: MBIT } };
  },
  async lanmesh(st) {
    const dlDir = join(st.ctx.tmp, 'dl');
    const r = await lanmeshPull(st.ctx, {
      seeders: st.dirs.map((dir, i) => ({ host: st.hosts[i], dir })),
      dl: { host: st.dl, dir: dlDir },
      files: [{ name: 'big.bin', sha: st.sha }],
    });
    await rm(join(dlDir, 'downloads', 'big.bin'));
    return { ...r, linkShare: linkShare(st, r.seconds), sentRatio: sum(r.txBytes) / st.bytes };
  },
  reference: {
    name: 'aria2c -x3 -s3 -k1M from 3 nginx',
    async run(st) {
      const dir = await freshDir(join(st.ctx.tmp, 'aria'));
      const tx0 = await Promise.all(st.hosts.slice(0, SEEDERS).map(txBytes));
      const r = await aria2Get(st.dl.netns, st.nginxes.map((n) => `${n.url}/big.bin`), dir, 'big.bin', { logDir: st.ctx.logDir, nginxes: st.nginxes });
      const tx = (await Promise.all(st.hosts.slice(0, SEEDERS).map(txBytes))).map((b, i) => b - tx0[i]);
      await checkCopy(join(dir, 'big.bin'), st.sha, 'aria2c copy of big.bin');
      await rm(dir, { recursive: true });
      return { ...r, txBytes: tx, linkShare: linkShare(st, r.seconds), sentRatio: sum(tx) / st.bytes };
    },
  },
  summary(res) {
    const pct = (x) => `${(x * 100).toFixed(1)} %`;
    return [
      `share of the ${SEEDERS * MBIT} Mbit/s link sum (median): lanmesh ${pct(pick(res, 'lanmesh', 'linkShare'))}, aria2c ${pct(pick(res, 'reference', 'linkShare'))} (goal ≥ 95 %)`,
      `bytes the seeders put on their links ÷ file size (median; headers included, small as the veths count GSO segments): lanmesh ${pick(res, 'lanmesh', 'sentRatio').toFixed(3)}, aria2c ${pick(res, 'reference', 'sentRatio').toFixed(3)}`,
    ];
  },
  async teardown(st) {
    for (const n of st?.nginxes ?? []) await n.stop();
  },
});

function sum(xs) {
  return xs.reduce((a, b) => a + b, 0);
}

function linkShare(st, seconds) {
  return (st.bytes * 8) / seconds / (SEEDERS * MBIT * 1e6);
}
