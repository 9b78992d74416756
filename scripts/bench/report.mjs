// Writes a run's results: latest.json (everything), latest.md (the table) and latest.svg (a chart of
// the time ratios, plain SVG drawn here).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkGoal, mmm, peakRss, ratios, runsOf } from './stats.mjs';

const cell = (x) => String(x).replace(/\|/g, '\\|');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const span = (s, fmt = f2) => (s ? `${fmt(s.min)} / ${fmt(s.median)} / ${fmt(s.max)}` : '–');
const rssCell = (runs) => Object.entries(peakRss(runs)).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ') || '–';

function cpuMedian(runs) {
  return mmm(runs.map((r) => r.cpu))?.median;
}

export function markdown(run) {
  const m = run.machine;
  const out = [
    `# lanmesh benchmark${run.quick ? ' (--quick: small sizes, not comparable with a full run)' : ''}`,
    '',
    `${m.date} · ${m.cores} cores, ${m.memoryGiB} GiB, ${m.cpu} · Linux ${m.kernel} · node ${m.node} · load at start ${m.load} · ${run.rounds} round(s), lanmesh and reference interleaved · ${run.wallSeconds.toFixed(0)} s in all${m.memoryNote ? ` · ${m.memoryNote}` : ''}`,
    '',
    'Every copy\'s SHA-256 was checked against its source. Times in seconds; ratio = lanmesh time ÷ reference time within one round (below 1: lanmesh is faster). CPU-s: every process involved (both peers; nginx worker + client). Peak RSS in MB (VmHWM).',
    '',
    '| scenario | lanmesh s (min / median / max) | reference | reference s (min / median / max) | ratio (min / median / max) | CPU-s lanmesh / ref (median) | peak RSS MB lanmesh; ref | goal | met |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const res of run.scenarios) {
    const lm = runsOf(res, 'lanmesh');
    const ref = runsOf(res, 'reference');
    const g = checkGoal(res);
    out.push(
      `| ${res.name}: ${cell(res.title)} | ${span(mmm(lm.map((r) => r.seconds)))} | ${cell(res.reference)} | ${span(mmm(ref.map((r) => r.seconds)))} | ` +
        `${span(mmm(ratios(res)))} | ${f2(cpuMedian(lm))} / ${f2(cpuMedian(ref))} | ${rssCell(lm)}; ${rssCell(ref)} | ${cell(res.goal?.text ?? '–')} | ` +
        `${g ? `${g.met ? 'yes' : '**no**'} (${g.detail})` : '–'} |`,
    );
  }
  const extras = run.scenarios.flatMap((res) =>
    Object.keys(Object.assign({}, ...res.rounds))
      .filter((v) => v !== 'lanmesh' && v !== 'reference')
      .map((v) => ({ res, v, runs: runsOf(res, v) })),
  );
  if (extras.length) {
    out.push('', '## Other variants', '', '| scenario | variant | s (min / median / max) | lanmesh ÷ this (median) | CPU-s (median) |', '| --- | --- | --- | --- | --- |');
    for (const { res, v, runs } of extras) {
      out.push(`| ${res.name} | ${cell(v)} | ${span(mmm(runs.map((r) => r.seconds)))} | ${f2(mmm(ratios(res, 'lanmesh', v))?.median)} | ${f2(cpuMedian(runs))} |`);
    }
  }
  const notes = run.scenarios.filter((r) => r.summary?.length || r.errors.length);
  if (notes.length) {
    out.push('', '## Notes');
    for (const res of notes) {
      out.push('', `**${res.name}** (${Object.entries(res.params ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')})`, '');
      for (const l of res.summary ?? []) out.push(`- ${l}`);
      for (const e of res.errors) out.push(`- FAILED run: ${e}`);
    }
  }
  return `${out.join('\n')}\n`;
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bars on a log scale: median ratio, a min–max whisker, and the goal as a tick. */
export function svg(run) {
  const rows = run.scenarios.map((res) => ({ res, r: mmm(ratios(res)) })).filter((x) => x.r);
  const W = 860;
  const left = 300;
  const right = 30;
  const rowH = 34;
  const top = 50;
  const H = top + rows.length * rowH + 50;
  const lo = 1 / 8;
  const hi = 128;
  const x = (v) => left + ((Math.log2(Math.min(hi, Math.max(lo, v))) - Math.log2(lo)) / (Math.log2(hi) - Math.log2(lo))) * (W - left - right);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(`lanmesh time ÷ reference time (log scale; left of 1 = lanmesh faster) · ${run.machine.date.slice(0, 16).replace('T', ' ')} UTC${run.quick ? ' · quick' : ''}`)}</text>`,
  ];
  for (let v = lo; v <= hi; v *= 2) {
    const X = x(v).toFixed(1);
    parts.push(`<line x1="${X}" y1="${top - 8}" x2="${X}" y2="${H - 40}" stroke="${v === 1 ? '#333' : '#ddd'}"/>`);
    parts.push(`<text x="${X}" y="${H - 25}" text-anchor="middle" fill="#555">${v < 1 ? `1/${1 / v}` : v}</text>`);
  }
  rows.forEach(({ res, r }, i) => {
    const y = top + i * rowH;
    const g = checkGoal(res);
    const color = g === undefined ? '#888' : g.met ? '#2a9d4b' : '#d1495b';
    parts.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(res.name)}</text>`);
    parts.push(`<rect x="${x(lo)}" y="${y + 4}" width="${(x(r.median) - x(lo)).toFixed(1)}" height="16" fill="${color}" opacity="0.8"/>`);
    parts.push(`<line x1="${x(r.min).toFixed(1)}" y1="${y + 12}" x2="${x(r.max).toFixed(1)}" y2="${y + 12}" stroke="#000"/>`);
    parts.push(`<text x="${Math.min(W - right - 40, x(r.max) + 6).toFixed(1)}" y="${y + 16}" fill="#000">${r.median.toFixed(2)}×</text>`);
    if (res.goal?.maxRatio !== undefined) {
      const gx = x(res.goal.maxRatio).toFixed(1);
      parts.push(`<line x1="${gx}" y1="${y}" x2="${gx}" y2="${y + 24}" stroke="#1d3557" stroke-width="3"/>`);
    }
  });
  parts.push(`<text x="${left}" y="${H - 8}" fill="#555">bar: median; whisker: min–max over rounds; dark tick: the goal (at most); green: goal met, red: not met, grey: no ratio goal</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export async function writeResults(dir, run) {
  await mkdir(dir, { recursive: true });
  const json = { ...run, scenarios: run.scenarios.map((s) => ({ ...s, goal: s.goal ? { ...s.goal, check: undefined, met: checkGoal(s) } : undefined })) };
  await writeFile(join(dir, 'latest.json'), `${JSON.stringify(json, null, 1)}\n`);
  await writeFile(join(dir, 'latest.md'), markdown(run));
  await writeFile(join(dir, 'latest.svg'), svg(run));
}
