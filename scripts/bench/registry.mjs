// The scenario registry: each scenario module registers itself here, and later issues (push, folders)
// add theirs the same way, by a file under scenarios/ listed in scenarios/index.mjs.
//
// A scenario is { name, title, hosts, goal?, setup(ctx) → state, lanmesh(state, round) → Run,
//   reference: { name, run(state, round) → Run }, extras?: [{ name, run }], teardown?(state), summary?(result) → string[] }.
// A Run is { seconds, cpu (CPU-s of every process involved), rss: { process: MB }, note?: string, ... }.
// ctx gives: lan (hosts h1..hN, setLinkRate), tmp (a tmpfs folder of the scenario), disk (a folder on the
// real disk), quick, cli (lanmesh's cli.js), logDir, log(msg), peer(init) (a LanmeshPeer closed afterwards).

const scenarios = new Map();

export function registerScenario(s) {
  for (const k of ['name', 'title', 'hosts', 'setup', 'lanmesh', 'reference']) {
    if (s[k] === undefined) throw new Error(`bench: scenario ${s.name ?? '?'} has no ${k}`);
  }
  if (scenarios.has(s.name)) throw new Error(`bench: scenario ${s.name} registered twice`);
  scenarios.set(s.name, s);
}

export function allScenarios() {
  return [...scenarios.values()];
}
