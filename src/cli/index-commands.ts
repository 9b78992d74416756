// `list` and `download` in P2P-CI index mode: wrappers around the mesh commands that answer from the
// index (LIST ALL; LOOKUP + GET of an RFC number) and fall through to the mesh otherwise. Their usage
// and summary stay the mesh's: index-mode help rows come from indexHelpRows, only when it runs.
import type { Command, CommandContext, CommandOutput } from './commands.js';
import type { IndexListing } from '../compat/p2pci/index-mode.js';
import { formatBytes, plural, table } from './format.js';
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

/** The extra `help` rows in index mode (none without --index); each short enough for one line. */
export function indexHelpRows(ctx: CommandContext): string[][] {
  const mode = ctx.peer.p2pci;
  if (!mode) return [];
  const server = mode.status()?.server ?? 'the index';
  return [
    ['list', ctx.peer.discovering ? `the records of ${server} first, then the mesh` : `the records of ${server}`],
    ['download <RFC number>', 'fetches an RFC from its holders (P2P-CI)'],
  ];
}
