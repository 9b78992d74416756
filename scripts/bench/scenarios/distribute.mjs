// Push one file to 8 recipients, every link shaped to 200 Mbit/s: lanmesh's `distribute` against one
// plain lanmesh pull of the file over the same link (the goal: the last recipient done ≤ 1.3× that),
// and against the naive way, 8 recipients pulling from the origin alone (nginx → 8 curl at once).
// Also the bytes that left the origin's veth ÷ the file size (goal ≤ 1.1×).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { registerScenario } from '../registry.mjs';
import { MiB, checkCopy, freshDir, sha256File, writeRandom } from '../files.mjs';
import { Nginx, curlGet } from '../refs.mjs';
import { lanmeshPull, prewarm, txBytes } from './pull.mjs';
import { median, ratios } from '../stats.mjs';

const RECIPIENTS = 8;
const MBIT = 200;

const pick = (res, v, k) => median(res.rounds.filter((r) => r[v]).map((r) => r[v][k]));
const peersLine = (n) => new RegExp(`^${n} peers?$`);

registerScenario({
  name: 'distribute-8',
  title: `256 MiB pushed to ${RECIPIENTS} recipients, ${MBIT} Mbit/s links`,
  hosts: RECIPIENTS + 1,
  goal: {
    text: 'last recipient done ≤ 1.3× one plain pull; origin sends ≤ 1.1× the file',
    check(res) {
      const ratio = median(ratios(res));
      const sent = pick(res, 'lanmesh', 'originRatio');
      return { met: ratio <= 1.3 && sent <= 1.1, detail: `median ratio ${ratio.toFixed(2)} vs ≤ 1.3, origin sent ${sent.toFixed(3)}× the file vs ≤ 1.1` };
    },
  },
  async setup(ctx) {
    const hosts = ctx.lan.hosts;
    const mib = ctx.quick ? 32 : 256;
    const seedDir = join(ctx.tmp, 'origin');
    const src = join(seedDir, 'shared', 'big.bin');
    ctx.log(`writing ${mib} MiB of random data`);
    await writeRandom(src, mib * MiB);
    const sha = await sha256File(src);
    await prewarm(ctx, hosts[0], seedDir, 1);
    for (const h of hosts) await ctx.lan.setLinkRate(h, MBIT * 1e6);
    const nginx = await Nginx.start({ ns: hosts[0].netns, address: hosts[0].address, root: join(seedDir, 'shared'), prefix: join(ctx.tmp, 'nginx') });
    return {
      ctx, hosts, seedDir, sha, nginx, bytes: mib * MiB,
      title: `${mib} MiB pushed to ${RECIPIENTS} recipients, ${MBIT} Mbit/s links`,
      params: { MiB: mib, recipients: RECIPIENTS, mbitEach: MBIT },
    };
  },
  async lanmesh(st) {
    const { ctx, hosts } = st;
    const dirs = hosts.slice(1).map((h) => join(ctx.tmp, `r-${h.name}`));
    for (const d of dirs) {
      await freshDir(join(d, 'shared'));
      await freshDir(join(d, 'downloads'));
    }
    const origin = ctx.peer({ ns: hosts[0].netns, dir: st.seedDir, name: 'origin' });
    const recips = dirs.map((dir, i) => ctx.peer({ ns: hosts[i + 1].netns, dir, name: `r${i + 1}` }));
    const all = [origin, ...recips];
    await Promise.all(all.map((p) => p.waitLine(/^\* ready /)));
    await Promise.all(all.map((p) => p.askUntil('peers', (a) => peersLine(RECIPIENTS).test(a[0] ?? ''), `${RECIPIENTS} peers`, 120_000, 200)));
    await origin.askUntil('list', (a) => a.some((l) => /^\* +big\.bin /.test(l)), 'big.bin indexed', 120_000, 200);
    const cpu0 = all.map((p) => p.cpu());
    const tx0 = await txBytes(hosts[0]);
    const marks = all.map((p) => p.mark());
    const t0 = performance.now();
    origin.send('distribute big.bin');
    const ms = ctx.quick ? 120_000 : 600_000;
    const finished = await Promise.all(recips.map(async (p, i) => {
      const at = await p.waitLine(/^\* downloaded big\.bin/, marks[i + 1], ms);
      return { seconds: (performance.now() - t0) / 1000, line: p.lines[at] };
    }));
    const seconds = Math.max(...finished.map((f) => f.seconds));
    const originTx = (await txBytes(hosts[0])) - tx0;
    const summaryAt = await origin.waitLine(/^\* distributed big\.bin: /, marks[0], 60_000);
    const cpu = all.reduce((s, p, i) => s + p.cpu() - cpu0[i], 0);
    const rss = Object.fromEntries(all.map((p) => [p.name, p.peakRss()]));
    const summary = origin.lines[summaryAt];
    const rows = origin.lines.slice(summaryAt + 1).filter((l) => /^\*\s+r\d+ /.test(l)).slice(0, RECIPIENTS).map((l) => l.replace(/^\*\s+/, ''));
    await Promise.all(all.map((p) => p.exit()));
    for (const d of dirs) await checkCopy(join(d, 'downloads', 'big.bin'), st.sha, `pushed copy in ${d}`);
    const each = finished.map((f) => f.seconds.toFixed(1)).join(' ');
    ctx.log(`${summary.slice(2)}; recipients done at ${each} s`);
    for (const r of rows) ctx.log(`  ${r}`);
    for (const d of dirs) await rm(join(d, 'downloads', 'big.bin'));
    return { seconds, cpu, rss, originTx, originRatio: originTx / st.bytes, firstDone: Math.min(...finished.map((f) => f.seconds)), note: summary.slice(2) };
  },
  reference: {
    name: 'one plain lanmesh pull over the same link',
    async run(st) {
      const dlDir = join(st.ctx.tmp, 'plain');
      const r = await lanmeshPull(st.ctx, { seeders: [{ host: st.hosts[0], dir: st.seedDir }], dl: { host: st.hosts[1], dir: dlDir }, files: [{ name: 'big.bin', sha: st.sha }] });
      await rm(join(dlDir, 'downloads', 'big.bin'));
      return r;
    },
  },
  extras: [{
    name: 'naive',
    // 8 recipients pulling from the origin alone, all at once (what a one-to-one tool does).
    async run(st) {
      const tx0 = await txBytes(st.hosts[0]);
      const outs = await Promise.all(st.hosts.slice(1).map(async (h) => join(await freshDir(join(st.ctx.tmp, `naive-${h.name}`)), 'big.bin')));
      const t0 = performance.now();
      const runs = await Promise.all(st.hosts.slice(1).map((h, i) => curlGet(h.netns, [[`${st.nginx.url}/big.bin`, outs[i]]], { logDir: st.ctx.logDir, nginx: st.nginx })));
      const seconds = (performance.now() - t0) / 1000;
      const originTx = (await txBytes(st.hosts[0])) - tx0;
      for (const o of outs) {
        await checkCopy(o, st.sha, `curl copy ${o}`);
        await rm(o);
      }
      return { seconds, cpu: runs.reduce((s, r) => s + r.cpu, 0), rss: { curl: Math.max(...runs.map((r) => r.rss.curl)) }, originTx, originRatio: originTx / st.bytes };
    },
  }],
  summary(res) {
    const plain = pick(res, 'reference', 'seconds');
    const push = pick(res, 'lanmesh', 'seconds');
    const naive = pick(res, 'naive', 'seconds');
    return [
      `last recipient done (median): lanmesh distribute ${push.toFixed(1)} s = ${(push / plain).toFixed(2)}× one plain pull (${plain.toFixed(1)} s; goal ≤ 1.3×); naive (8 × curl from the origin) ${naive.toFixed(1)} s = ${(naive / plain).toFixed(2)}×`,
      `origin's upload ÷ file size (median; veth bytes, headers included): lanmesh ${pick(res, 'lanmesh', 'originRatio').toFixed(3)} (goal ≤ 1.1), naive ${pick(res, 'naive', 'originRatio').toFixed(3)}`,
      `first recipient done (median): ${pick(res, 'lanmesh', 'firstDone').toFixed(1)} s`,
    ];
  },
  async teardown(st) {
    await st?.nginx.stop();
  },
});
