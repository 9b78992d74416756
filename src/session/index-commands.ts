// `list` and `download` in P2P-CI index mode: wrappers around the mesh commands that answer from the
// index (LIST ALL; LOOKUP + GET of an RFC number) and fall through to the mesh otherwise. Their usage
// and summary stay the mesh's: `help` words them for index mode (helpRows), only when it runs.
import type { Command, CommandContext, CommandOutput } from './command-types.js';
import type { IndexListing } from '../compat/p2pci/index-mode.js';
import type { IndexStatus } from '../compat/p2pci/index-session.js';
import { formatBytes, plural, table } from './text.js';
import { LanmeshError, describeError } from '../errors.js';

const RFC_ARG = /^(?:rfc[-\s]?)?(\d{1,9})$/i;

/** The index part of `list`; first line `index HOST:PORT: N records` (never starts with "* "). */
export function formatIndexListing({ status, records }: IndexListing): string[] {
  const self = status.self;
  const rows = records.map((r) => [
    self && r.host === self.host && r.port === self.port ? '*' : ' ',
    `RFC ${r.rfc}`,
    r.title,
    `${r.host}:${r.port}`,
  ]);
  const as = self ? ` (this peer is ${self.host}:${self.port})` : '';
  return [`index ${status.server}: ${plural(records.length, 'record')}${as}`, ...table(rows)];
}

/** list: the index's LIST ALL; with mDNS running too, then the mesh's list under its own heading. */
export function withIndexList(mesh: Command): Command {
  return {
    ...mesh,
    async run(ctx, rest): Promise<CommandOutput> {
      const mode = ctx.peer.p2pci;
      if (!mode) return mesh.run(ctx, rest);
      if (!ctx.peer.discovering) return { lines: formatIndexListing(await mode.list()) };
      let index: string[];
      try {
        index = formatIndexListing(await mode.list());
      } catch (err) {
        index = [`index ${mode.status()?.server ?? '?'}: unavailable: ${describeError(err)}`];
      }
      const meshOut = await mesh.run(ctx, rest);
      return { lines: [...index, `mesh (mDNS): ${meshOut.lines[0] ?? ''}`, ...meshOut.lines.slice(1)] };
    },
  };
}

/** download <RFC number> in index mode: LOOKUP, GET from the first holder that answers, into downloads/. */
export function withIndexDownload(mesh: Command): Command {
  return {
    ...mesh,
    async run(ctx, rest): Promise<CommandOutput> {
      const mode = ctx.peer.p2pci;
      const m = RFC_ARG.exec(rest.trim());
      if (!mode || (!m && ctx.peer.discovering)) return mesh.run(ctx, rest);
      if (!m) throw new LanmeshError('BAD_COMMAND', `index mode: download takes an RFC number, got '${rest}'`);
      const got = await mode.download(Number(m[1]));
      const title = got.title ? ` ${got.title}` : '';
      const file = got.path.split(/[\\/]/).pop();
      const via = got.via === 'LOOKUP' ? '' : ' (LOOKUP named no holder; found by LIST ALL)';
      return { lines: [`downloaded RFC ${m[1]}${title}: ${formatBytes(got.bytes)} from ${got.from.host}:${got.from.port}${via} → downloads/${file}`] };
    },
  };
}

/** Mesh commands that have nothing to act on in index mode without mDNS. */
const MESH_ONLY = new Set(['peers', 'downloads', 'cancel', 'where']);

/**
 * The `help` table: each command once. In index mode `list` and `download` say what they do there;
 * without mDNS the mesh-only commands are left out and `download` takes only an RFC number.
 */
export function helpRows(ctx: CommandContext, commands: readonly Command[]): string[][] {
  const mode = ctx.peer.p2pci;
  if (!mode) return commands.map((c) => [c.usage, c.summary]);
  const mesh = ctx.peer.discovering;
  const server = mode.status()?.server ?? 'the index';
  const rfcRow = ['download <RFC number>', 'fetches an RFC from its holders (P2P-CI)'];
  return commands.flatMap((c) => {
    if (!mesh && MESH_ONLY.has(c.name)) return [];
    if (c.name === 'list') return [['list', mesh ? `the records of ${server}, then every file on the mesh` : `the records of ${server}`]];
    if (c.name === 'download') return mesh ? [[c.usage, c.summary], rfcRow] : [rfcRow];
    return [[c.usage, c.summary]];
  });
}

/** The start-up line about the index: what was registered, or that nothing was and why. */
export function formatIndexStart(idx: IndexStatus, discovering: boolean): string {
  const mdns = discovering ? '' : '; mDNS off';
  if (idx.state !== 'connected' || idx.lastError !== undefined) {
    return `! index ${idx.server}: not registered (${idx.lastError ?? idx.state}); reconnecting${mdns}`;
  }
  const as = idx.self ? ` as ${idx.self.host}:${idx.self.port}` : '';
  const rfcs = idx.registered.length ? ` (${idx.registered.join(', ')})` : '';
  return `* index ${idx.server}: registered ${plural(idx.registered.length, 'RFC')}${rfcs}${as}${mdns}`;
}
