// Domain types shared by every module. Brands keep ids of different kinds from mixing.

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Random 16-hex-char id a peer picks once and keeps in .lanmesh/peer-id. */
export type PeerId = Brand<string, 'PeerId'>;
/** 64-hex-char SHA-256 over a manifest's size, chunk size and chunk hashes (docs/PROTOCOL.md). */
export type FileId = Brand<string, 'FileId'>;
/** Zero-based index of a chunk inside a file. */
export type ChunkIndex = number;

export const asPeerId = (s: string): PeerId => s as PeerId;
export const asFileId = (s: string): FileId => s as FileId;

export const PEER_ID_RE = /^[0-9a-f]{16}$/;
export const FILE_ID_RE = /^[0-9a-f]{64}$/;

/** The four transfer ports of one peer (DESIGN.md): T, T+1, T+2, T+3. */
export interface PortSet {
  receiver: number;
  sender: number;
  distributor: number;
  distributee: number;
}

export function portSet(t: number): PortSet {
  return { receiver: t, sender: t + 1, distributor: t + 2, distributee: t + 3 };
}

/** What a manifest says about a file: enough to fetch and verify every chunk. */
export interface Manifest {
  id: FileId;
  name: string;
  size: number;
  chunkSize: number;
  /** Hex SHA-256 of each chunk, in order. Empty for a 0-byte file. */
  hashes: string[];
}

/** One file as a peer advertises it in its catalog (no hash list: that is fetched on demand). */
export interface CatalogEntry {
  id: FileId;
  name: string;
  size: number;
  chunkSize: number;
  /**
   * Where the file sits under the peer's shared/ or downloads/ ("docs/lab/a.txt", '/'-separated, its
   * last segment `name`), when that is inside a folder; absent for a file at the top. docs/PROTOCOL.md "Paths".
   */
  path?: string;
  /** Absent when the peer holds the whole file; else a base64 bitfield of the chunks it has. */
  have?: string;
}

export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
