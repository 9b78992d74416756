// A private mesh (issue 13): the same 1 GiB one-source pull with --secret (every connection TLS 1.2
// ECDHE-PSK-CHACHA20-POLY1305) against itself without, in the same run on the same veth. The goal is
// the encrypted rate ≥ 0.7× the plaintext one, i.e. time ratio ≤ 1/0.7; the summary splits CPU into
// the peers' main threads (JS, and TLS, which node runs there) and the rest, per side.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { registerScenario } from '../registry.mjs';
import { MiB, sha256File, writeRandom } from '../files.mjs';
import { lanmeshPull, prewarm } from './pull.mjs';
import { median, ratios } from '../stats.mjs';

const SECRET = 'bench private mesh secret phrase';
const MAX_RATIO = 1 / 0.7;

const pull = async (st, args) => {
  const r = await lanmeshPull(st.ctx, { seeders: [{ host: st.h1, dir: st.seedDir }], dl: { host: st.h2, dir: st.dlDir }, files: [{ name: 'big.bin', sha: st.sha }], args });
  await rm(join(st.dlDir, 'downloads', 'big.bin'));
  return r;
};

const mainCpu = (runs, who) => median(runs.map((r) => r.threads?.[who]?.main ?? 0));
const otherCpu = (runs, who) => median(runs.map((r) => r.threads?.[who]?.other ?? 0));

registerScenario({
  name: 'pull-private',
  title: '1 GiB, one source, private mesh (--secret) vs open mesh',
  hosts: 2,
  goal: {
    maxRatio: MAX_RATIO,
    text: 'encrypted rate ≥ 0.7× the same pull without a secret',
    check(res) {
      const ratio = median(ratios(res));
      return { met: ratio <= MAX_RATIO, detail: `median time ratio ${ratio.toFixed(2)} vs ≤ ${MAX_RATIO.toFixed(2)} (rate ${(1 / ratio).toFixed(2)}× plaintext)` };
    },
  },
  async setup(ctx) {
    const [h1, h2] = ctx.lan.hosts;
    const mib = ctx.quick ? 64 : 1024;
    const seedDir = join(ctx.tmp, 'seed');
    const src = join(seedDir, 'shared', 'big.bin');
    ctx.log(`writing ${mib} MiB of random data`);
    await writeRandom(src, mib * MiB);
    const sha = await sha256File(src);
    await prewarm(ctx, h1, seedDir, 1);
    return { ctx, h1, h2, seedDir, sha, dlDir: join(ctx.tmp, 'dl'), title: `${mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`}, one source, private mesh vs open mesh`, params: { MiB: mib, cipher: 'ECDHE-PSK-CHACHA20-POLY1305' } };
  },
  lanmesh: (st) => pull(st, ['--secret', SECRET]),
  reference: { name: 'the same pull, open mesh (plain TCP)', run: (st) => pull(st, []) },
  summary(res) {
    const enc = res.rounds.filter((r) => r.lanmesh).map((r) => r.lanmesh);
    const plain = res.rounds.filter((r) => r.reference).map((r) => r.reference);
    const row = (runs, what) =>
      `${what}: seeder main ${mainCpu(runs, 'seed1').toFixed(2)} + other ${otherCpu(runs, 'seed1').toFixed(2)} CPU-s, downloader main ${mainCpu(runs, 'dl').toFixed(2)} + other ${otherCpu(runs, 'dl').toFixed(2)} CPU-s, ${median(runs.map((r) => r.seconds)).toFixed(2)} s`;
    return [row(enc, 'private'), row(plain, 'open   ')];
  },
});
