// Building blocks of the transfer scenarios: a seeder folder indexed once (its manifest cache makes
// later starts fast), and one timed lanmesh pull: fresh peers, `download`, the `* downloaded` line,
// CPU-s and peak RSS of every peer, bytes each seeder sent, and the copy's SHA-256.
import { join } from 'node:path';
import { checkCopy, freshDir } from '../files.mjs';
import { sh } from '../proc.mjs';

// `list` starts with the folders when there are some: the file count is on its own line.
const filesOnMesh = (ans) => Number(ans.map((l) => /^(\d+) files? on the mesh/.exec(l)?.[1]).find((n) => n !== undefined) ?? -1);

/** Starts a peer on `dir` until `list` shows `count` files, then stops it: the manifest cache is warm. */
export async function prewarm(ctx, host, dir, count, ms = 600_000) {
  const p = ctx.peer({ ns: host.netns, dir, name: `warm-${host.name}` });
  try {
    await p.waitLine(/^\* ready /);
    await p.askUntil('list', (a) => filesOnMesh(a) >= count, `${count} files indexed`, ms);
  } finally {
    await p.exit();
  }
}

export async function waitFilesOnMesh(peer, count, ms, everyMs) {
  return peer.askUntil('list', (a) => filesOnMesh(a) >= count, `${count} files on the mesh`, ms, everyMs);
}

/** Bytes sent so far on a host's LAN interface. */
export async function txBytes(host) {
  const { stdout } = await sh(['ip', '-n', host.netns, '-s', '-j', 'link', 'show', 'dev', host.iface]);
  return Number(JSON.parse(stdout)[0].stats64.tx.bytes);
}

/**
 * One pull of `names` (all requested at once) by a fresh downloader from fresh seeders.
 * seeders: [{ host, dir }]; dl: { host, dir }; files: [{ name, sha }]; beforeStart: awaited just before the clock starts.
 */
export async function lanmeshPull(ctx, { seeders, dl, files, ms = ctx.quick ? 120_000 : 900_000, args = [], beforeStart }) {
  await freshDir(join(dl.dir, 'shared'));
  await freshDir(join(dl.dir, 'downloads'));
  const seeds = seeders.map((s, i) => ctx.peer({ ns: s.host.netns, dir: s.dir, name: `seed${i + 1}`, args }));
  const d = ctx.peer({ ns: dl.host.netns, dir: dl.dir, name: 'dl', args });
  const all = [...seeds, d];
  await Promise.all(all.map((p) => p.waitLine(/^\* ready /)));
  await waitFilesOnMesh(d, files.length, 120_000);
  await d.waitHolders(files[0].name, seeders.length, 120_000);
  // Last thing before the clock starts (e.g. dropAside: free the previous copy now, see files.mjs).
  await beforeStart?.();
  const cpu0 = all.map((p) => p.cpu());
  // Peak RSS before the transfer: what the peer costs at rest, to tell it from what the transfer adds.
  const rssBefore = Object.fromEntries(all.map((p) => [p.name, +p.peakRss().toFixed(1)]));
  const th0 = all.map((p) => p.threads());
  const tx0 = await Promise.all(seeders.map((s) => txBytes(s.host)));
  const m = d.mark();
  const t0 = performance.now();
  for (const f of files) d.send(`download ${f.name}`);
  const end = await d.waitCount(/^\* downloaded /, files.length, m, ms);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = all.reduce((s, p, i) => s + p.cpu() - cpu0[i], 0);
  // Per peer: its main (JS) thread and its other threads (libuv pool: disk I/O; V8: GC, compiler).
  const threads = Object.fromEntries(
    all.map((p, i) => {
      const t = p.threads();
      return [p.name, { main: +(t.main - th0[i].main).toFixed(2), other: +(t.other - th0[i].other).toFixed(2) }];
    }),
  );
  const tx = (await Promise.all(seeders.map((s) => txBytes(s.host)))).map((b, i) => b - tx0[i]);
  const rss = Object.fromEntries(all.map((p) => [p.name, p.peakRss()]));
  const failed = d.lines.slice(m, end).filter((l) => /^\* download .* failed|^error: /.test(l));
  const warnings = d.warnings(m).length;
  await Promise.all(all.map((p) => p.exit()));
  if (failed.length) throw new Error(`downloads failed: ${failed.slice(0, 3).join(' | ')}`);
  for (const f of files) await checkCopy(join(dl.dir, 'downloads', f.name), f.sha, `lanmesh copy of ${f.name}`);
  return { seconds, cpu, threads, rss, rssBefore, txBytes: tx, warnings, line: d.lines[end - 1] };
}
