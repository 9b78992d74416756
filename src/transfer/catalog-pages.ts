// Cuts a catalog into pages that each fit one control frame with room to spare, so a peer that
// shares hundreds of thousands of files is still seen whole (docs/PROTOCOL.md "Catalog").
import { MAX_CATALOG_FILES } from '../wire/messages.js';
import type { CatalogEntry } from '../types.js';

/** JSON bytes of entries per page: half of MAX_CONTROL, whatever the names and bitfields weigh. */
export const CATALOG_PAGE_BYTES = 4 * 1024 * 1024;

export interface CatalogPage {
  files: CatalogEntry[];
  /** Index of the first entry of the next page; absent on the last page. */
  next?: number;
}

/** The page of `entries` that starts at `from`. Pure; a from past the end gives an empty last page. */
export function catalogPage(entries: readonly CatalogEntry[], from: number, budgetBytes = CATALOG_PAGE_BYTES): CatalogPage {
  const files: CatalogEntry[] = [];
  let bytes = 0;
  let i = Math.max(0, from);
  for (; i < entries.length && files.length < MAX_CATALOG_FILES; i++) {
    const e = entries[i]!;
    const size = Buffer.byteLength(JSON.stringify(e)) + 1;
    // Every page carries at least one entry, so paging always advances.
    if (files.length > 0 && bytes + size > budgetBytes) break;
    files.push(e);
    bytes += size;
  }
  return i < entries.length ? { files, next: i } : { files };
}

/**
 * One connection's reader of a paged catalog: the first page takes a snapshot and the later pages
 * come from it, so all pages of one read share one revision even while downloads bump it.
 */
export class CatalogPager {
  private snap: { rev: number; entries: readonly CatalogEntry[] } | undefined;

  constructor(private readonly source: { revision(): number; entries(): CatalogEntry[] }) {}

  page(from: number): CatalogPage & { rev: number } {
    if (from === 0 || !this.snap) this.snap = { rev: this.source.revision(), entries: this.source.entries() };
    const { rev, entries } = this.snap;
    const page = catalogPage(entries, from);
    if (page.next === undefined) this.snap = undefined;
    return { rev, ...page };
  }
}
