// Pure layout of the push matrix (recipient × progress × source): each recipient a cell with a bar
// whose first part came from the origin (█) and the next from the other recipients (▓). One detailed
// row per recipient while they fit; else a grid of compact cells, several per row; else the grid cut
// to "… and N more". The number of rows depends only on the recipients and the room, never on the
// progress, so updates redraw the same rows in place.
import { fit, formatRate } from './format-transfer.js';

export type PushCellState = 'offering' | 'receiving' | 'held' | 'done' | 'refused' | 'gone';

/** One recipient as the UI shows it. */
export interface PushCell {
  name: string;
  state: PushCellState;
  /** Chunks it holds, of `total`; of them, from the origin and from the other recipients. */
  chunks: number;
  total: number;
  fromOrigin: number;
  fromPeers: number;
  rate: number;
  reason?: string;
}

/** A piece of a row: text, and how it is drawn. */
export interface Seg {
  text: string;
  tone?: 'origin' | 'peers' | 'rest' | 'bad' | 'dim' | 'good';
}

export type Row = Seg[];

const DETAIL_BAR = 20;
const CELL_BAR = 8;
const CELL_NAME = 10;
/** name, space, bar, space, "100%", two spaces between cells. */
const CELL_WIDTH = CELL_NAME + 1 + CELL_BAR + 1 + 4 + 2;

const pct = (c: PushCell): number => (c.total === 0 ? 100 : Math.floor((c.chunks * 100) / c.total));

/** The bar in three tones: from the origin, from the peers, still missing (whatever else it held counts as peers'). */
function sourceBar(c: PushCell, width: number): Seg[] {
  if (c.state === 'held') return [{ text: '▓'.repeat(width), tone: 'peers' }];
  const total = Math.max(1, c.total);
  const have = Math.round((Math.min(c.chunks, total) / total) * width);
  const origin = Math.min(have, Math.round((Math.min(c.fromOrigin, c.chunks) / total) * width));
  return [
    { text: '█'.repeat(origin), tone: 'origin' },
    { text: '▓'.repeat(have - origin), tone: 'peers' },
    { text: '░'.repeat(width - have), tone: 'rest' },
  ].filter((s) => s.text.length > 0) as Seg[];
}

function stateWord(c: PushCell): Seg | undefined {
  switch (c.state) {
    case 'refused':
      return { text: 'refused', tone: 'bad' };
    case 'gone':
      return { text: 'gone', tone: 'bad' };
    case 'held':
      return { text: 'had it', tone: 'dim' };
    case 'offering':
      return { text: 'asked', tone: 'dim' };
    default:
      return undefined;
  }
}

/** One row per recipient: name, bar, percent, rate, and where its chunks came from. */
function detailRow(c: PushCell, nameWidth: number, width: number): Row {
  const name = { text: `  ${fit(c.name, nameWidth).padEnd(nameWidth)} ` };
  const word = stateWord(c);
  if (c.state === 'refused' || c.state === 'gone') return [name, word!, { text: c.reason ? `: ${fit(c.reason, Math.max(0, width - nameWidth - 14))}` : '', tone: 'dim' }];
  const tail = c.state === 'done' ? 'done' : c.state === 'receiving' ? formatRate(c.rate) : word!.text;
  return [
    name,
    ...sourceBar(c, DETAIL_BAR),
    { text: ` ${String(pct(c)).padStart(3)}%  ${tail.padEnd(11)} ` },
    { text: `origin ${c.fromOrigin} · peers ${c.fromPeers}`, tone: 'dim' },
  ];
}

/** A compact cell: name, short bar, percent (or the state word). */
function cell(c: PushCell): Row {
  const name = { text: `${fit(c.name, CELL_NAME).padEnd(CELL_NAME)} ` };
  const word = stateWord(c);
  if (c.state === 'refused' || c.state === 'gone') return [name, { text: word!.text.padEnd(CELL_BAR + 5), tone: 'bad' }];
  return [name, ...sourceBar(c, CELL_BAR), { text: ` ${String(pct(c)).padStart(3)}%` }];
}

export function titleRow(title: string, cells: readonly PushCell[]): Row {
  const done = cells.filter((c) => c.state === 'done').length;
  return [
    { text: `${title} · ${done}/${cells.length} done  ` },
    { text: '█', tone: 'origin' },
    { text: ' origin ', tone: 'dim' },
    { text: '▓', tone: 'peers' },
    { text: ' peers', tone: 'dim' },
  ];
}

/** Rows one push takes at most (the detailed form). */
export const fullRows = (cells: readonly PushCell[]): number => 1 + cells.length;

/** The rows of one push in at most `maxRows` rows (0: nothing; 1: the title only). */
export function layoutPush(title: string, cells: readonly PushCell[], width: number, maxRows: number): Row[] {
  if (maxRows <= 0) return [];
  const head = titleRow(title, cells);
  if (maxRows === 1 || cells.length === 0) return [head];
  if (1 + cells.length <= maxRows) {
    const nameWidth = Math.min(16, Math.max(4, ...cells.map((c) => [...c.name].length)));
    return [head, ...cells.map((c) => detailRow(c, nameWidth, width))];
  }
  const perRow = Math.max(1, Math.floor((width - 2) / CELL_WIDTH));
  const gridRows = Math.ceil(cells.length / perRow);
  const room = maxRows - 1;
  const shownRows = gridRows <= room ? gridRows : room - 1;
  const rows: Row[] = [head];
  for (let r = 0; r < shownRows; r++) {
    const row: Row = [{ text: '  ' }];
    cells.slice(r * perRow, (r + 1) * perRow).forEach((c, i) => {
      if (i > 0) row.push({ text: '  ' });
      row.push(...cell(c));
    });
    rows.push(row);
  }
  const hidden = cells.length - shownRows * perRow;
  if (hidden > 0) rows.push([{ text: `  … and ${hidden} more recipient${hidden === 1 ? '' : 's'}`, tone: 'dim' }]);
  return rows;
}

/** Plain text of a row (tests, widths). */
export const rowText = (row: Row): string => row.map((s) => s.text).join('');
