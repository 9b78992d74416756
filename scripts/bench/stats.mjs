// Figures of a scenario's runs: min / median / max, time ratios within a round, and the goal check.

export function median(xs) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function mmm(xs) {
  const s = xs.filter(Number.isFinite);
  return s.length ? { min: Math.min(...s), median: median(s), max: Math.max(...s), n: s.length } : undefined;
}

export function runsOf(res, variant) {
  return res.rounds.map((r) => r[variant]).filter(Boolean);
}

/** lanmesh ÷ reference time, per round where both ran. */
export function ratios(res, a = 'lanmesh', b = 'reference') {
  return res.rounds.filter((r) => r[a] && r[b] && r[b].seconds > 0).map((r) => r[a].seconds / r[b].seconds);
}

/** Highest peak RSS per process over the runs of a variant. */
export function peakRss(runs) {
  const out = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.rss ?? {})) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}

/** { met, detail } for the scenario's goal, or undefined when it has none or nothing ran. */
export function checkGoal(res) {
  const g = res.goal;
  if (!g) return undefined;
  if (g.check) return g.check(res);
  if (g.maxRatio !== undefined) {
    const r = mmm(ratios(res));
    if (!r) return undefined;
    return { met: r.median <= g.maxRatio, detail: `median ratio ${r.median.toFixed(2)} vs ≤ ${g.maxRatio}` };
  }
  if (g.maxRssMb !== undefined) {
    const p = Object.values(peakRss(runsOf(res, 'lanmesh')));
    if (!p.length) return undefined;
    const worst = Math.max(...p);
    return { met: worst <= g.maxRssMb, detail: `worst peak ${worst.toFixed(0)} MB vs ≤ ${g.maxRssMb}` };
  }
  return undefined;
}
