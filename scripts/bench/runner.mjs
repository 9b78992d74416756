// Runs one scenario: its LAN and folders, then `rounds` rounds of lanmesh and its reference interleaved
// (A B, A B, …), every run's figures kept, ratios taken within a round. A SHA-256 mismatch stops
// everything; any other failed run is recorded and the others go on.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ShaMismatch } from './files.mjs';
import { LanmeshPeer } from './peer.mjs';

export async function runScenario(s, env) {
  const { createLan, removeStaleNamespaces } = env.lanSupport;
  await removeStaleNamespaces();
  const tmp = join(env.tmpfs, s.name);
  const disk = join(env.diskRoot, s.name);
  await mkdir(tmp, { recursive: true });
  await mkdir(disk, { recursive: true });
  const peers = new Set();
  const lan = await createLan(s.hosts);
  const ctx = {
    lan,
    tmp,
    disk,
    quick: env.quick,
    cli: env.cli,
    logDir: env.logDir,
    log: (m) => env.log(`${s.name}: ${m}`),
    peer(init) {
      const p = new LanmeshPeer({ cli: env.cli, nodeFlags: env.nodeFlags, ...init });
      peers.add(p);
      p.exited.then(() => peers.delete(p));
      return p;
    },
  };
  const result = { name: s.name, title: s.title, goal: s.goal, reference: s.reference.name, rounds: [], errors: [] };
  const t0 = performance.now();
  let state;
  try {
    ctx.log('setting up');
    state = await s.setup(ctx);
    result.params = state.params;
    if (state.title) result.title = state.title;
    const variants = [['lanmesh', s.lanmesh], ['reference', s.reference.run], ...(s.extras ?? []).map((x) => [x.name, x.run])];
    for (let r = 0; r < env.rounds; r++) {
      const round = {};
      for (const [name, run] of variants) {
        try {
          round[name] = await run(state, r);
          const th = round[name].threads ? ` (${Object.entries(round[name].threads).map(([k, t]) => `${k} main ${t.main} other ${t.other}`).join('; ')})` : '';
          ctx.log(`round ${r + 1} ${name}: ${round[name].seconds.toFixed(3)} s, ${round[name].cpu.toFixed(2)} CPU-s${th}`);
        } catch (e) {
          if (e instanceof ShaMismatch) throw e;
          ctx.log(`round ${r + 1} ${name} FAILED: ${e.message}`);
          result.errors.push(`round ${r + 1} ${name}: ${e.message.split('\n')[0]}`);
        } finally {
          await Promise.all([...peers].map((p) => p.kill()));
        }
      }
      result.rounds.push(round);
    }
    if (s.summary) result.summary = s.summary(result);
  } finally {
    await Promise.all([...peers].map((p) => p.kill()));
    await s.teardown?.(state).catch((e) => ctx.log(`teardown: ${e.message}`));
    await lan.close().catch((e) => ctx.log(`lan close: ${e.message}`));
    await rm(tmp, { recursive: true, force: true });
    await rm(disk, { recursive: true, force: true });
  }
  result.wallSeconds = (performance.now() - t0) / 1000;
  return result;
}
