// Control messages (docs/PROTOCOL.md "Requests and responses"): their types, their limits, and a
// strict parser that turns untrusted JSON into fresh objects holding only the known, checked fields.
import { LanmeshError } from '../errors.js';
import { FILE_ID_RE, PEER_ID_RE } from '../types.js';
import type { CatalogEntry, FileId, Manifest, PeerId } from '../types.js';
import { Fields } from './fields.js';
import { checkJsonShape } from './json-shape.js';
import { BASE64_RE, MAX_FILE_CHUNKS, TOKEN_RE, fileId, fileShape, manifest } from './shapes.js';
import { pathProblem } from './paths.js';
import { validatePush, type PushAnswer, type PushMessage, type PushOffer } from './push-messages.js';

export { MAX_CHUNK_SIZE, MAX_FILE_CHUNKS, MAX_NAME_LENGTH, TOKEN_RE } from './shapes.js';
export type * from './push-messages.js';
import { validateHelloGet, validateHelloOk, type HelloGet, type HelloMsg } from './hello.js';

export type { HelloGet, HelloMsg, HelloPeer, HelloSelf } from './hello.js';

/** Files in one catalog message (a page: the sender cuts pages well under MAX_CONTROL). */
export const MAX_CATALOG_FILES = 100_000;
/** Files one peer's catalog may hold over all its pages (what a requester keeps of one peer at most). */
export const MAX_PEER_FILES = 200_000;
/** Chunk indexes in one chunks.get. */
export const MAX_CHUNKS_PER_REQUEST = 4096;
/** File ids in one files.get. */
export const MAX_FILES_PER_REQUEST = 512;
export const MAX_ERROR_TEXT = 4096;
/** Catalog revision, as announced in mDNS TXT (`rev=`, at most 15 decimal digits). */
export const MAX_REV = 999_999_999_999_999;
const MAX_RID = Number.MAX_SAFE_INTEGER;

export const WIRE_ERROR_CODES = ['NOT_FOUND', 'BAD_MESSAGE', 'UNSUPPORTED', 'BUSY', 'INTERNAL'] as const;
export type WireErrorCode = (typeof WIRE_ERROR_CODES)[number];

/** from: index of the first entry wanted (a later page); absent = 0. */
export interface CatalogGet { t: 'catalog.get'; rid: number; from?: number }
/** next: present when more entries follow; ask again with from = next (same rev, or start over). */
export interface CatalogMsg { t: 'catalog'; rid: number; peer: PeerId; rev: number; files: CatalogEntry[]; next?: number }
export interface ManifestGet { t: 'manifest.get'; rid: number; id: FileId }
export interface ManifestMsg { t: 'manifest'; rid: number; manifest: Manifest }
/** Without rid: a notice about the whole connection (sent just before closing it). */
export interface ErrorMsg { t: 'error'; rid?: number; code: WireErrorCode; message: string }
/** Ask a holder (on its sender port) to dial `port` on the requester's address and stream these chunks. */
export interface ChunksGet { t: 'chunks.get'; rid: number; id: FileId; chunks: number[]; token: string; port: number }
export interface ChunksOk { t: 'chunks.ok'; rid: number }
/**
 * Ask a holder to stream several whole small files (each at most one chunk) as chunk frames tagged
 * `token`, frame index i carrying all of ids[i]'s bytes. Answered with chunks.ok like chunks.get.
 */
export interface FilesGet { t: 'files.get'; rid: number; ids: FileId[]; token: string; port: number }
/** First frame a seeder sends on a data connection it dialed. */
export interface DataHello { t: 'data.hello'; peer: PeerId; id?: FileId }
/** The seeder cannot serve this chunk of the request tagged `token`. */
export interface ChunkMissing { t: 'chunk.missing'; token: string; index: number }
/** Requester → seeder (sender port): do not send these chunks of request `token` after all. */
export interface ChunksCancel { t: 'chunks.cancel'; token: string; chunks: number[] }

/** Each request type with the response that answers it (or an ErrorMsg). */
export interface Exchanges {
  'catalog.get': { request: CatalogGet; response: CatalogMsg };
  'manifest.get': { request: ManifestGet; response: ManifestMsg };
  'chunks.get': { request: ChunksGet; response: ChunksOk };
  'files.get': { request: FilesGet; response: ChunksOk };
  'push.offer': { request: PushOffer; response: PushAnswer };
  hello: { request: HelloGet; response: HelloMsg };
}
export type RequestType = keyof Exchanges;
export type RequestMessage = Exchanges[RequestType]['request'];
export type ResponseMessage = Exchanges[RequestType]['response'];
export type ControlMessage = RequestMessage | ResponseMessage | ErrorMsg | DataHello | ChunkMissing | ChunksCancel | PushMessage;

export const RESPONSE_TYPE: { readonly [K in RequestType]: Exchanges[K]['response']['t'] } = {
  'catalog.get': 'catalog',
  'manifest.get': 'manifest',
  'chunks.get': 'chunks.ok',
  'files.get': 'chunks.ok',
  'push.offer': 'push.answer',
  hello: 'hello.ok',
};

export function isRequest(m: ControlMessage): m is RequestMessage {
  return Object.prototype.hasOwnProperty.call(RESPONSE_TYPE, m.t);
}

/** A message that answers a request: a response type, or an error carrying a rid. */
export function isResponse(m: ControlMessage): m is ResponseMessage | (ErrorMsg & { rid: number }) {
  if (m.t === 'error') return m.rid !== undefined;
  return (Object.values(RESPONSE_TYPE) as string[]).includes(m.t);
}

/** Decode a control frame's body: its shape bounded (json-shape.ts), strict UTF-8, JSON, then validateControl. */
export function parseControl(body: Buffer): ControlMessage {
  checkJsonShape(body);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (e) {
    throw new LanmeshError('BAD_MESSAGE', `control body (${body.length} bytes) is not UTF-8 JSON: ${String(e)}`, {
      cause: e,
    });
  }
  return validateControl(value);
}

/** Check an already-parsed value; returns a new object with only the fields its type defines. */
export function validateControl(value: unknown): ControlMessage {
  const f = Fields.of(value, 'message');
  const t = f.str('t', { max: 32 });
  const m = Fields.of(value, t);
  const rid = (): number => m.int('rid', 1, MAX_RID);
  switch (t) {
    case 'catalog.get': {
      const out: CatalogGet = { t, rid: rid() };
      if (m.has('from')) out.from = m.int('from', 0, MAX_PEER_FILES);
      return out;
    }
    case 'catalog': {
      const files = m.array('files', MAX_CATALOG_FILES).map((v, i) => catalogEntry(Fields.of(v, `${t}.files[${i}]`)));
      const out: CatalogMsg = { t, rid: rid(), peer: m.str('peer', { max: 16, re: PEER_ID_RE }) as PeerId, rev: m.int('rev', 0, MAX_REV), files };
      if (m.has('next')) out.next = m.int('next', 1, MAX_PEER_FILES);
      return out;
    }
    case 'manifest.get':
      return { t, rid: rid(), id: fileId(m, 'id') };
    case 'manifest':
      return { t, rid: rid(), manifest: manifest(m.sub('manifest')) };
    case 'error': {
      const code = m.str('code', { max: 32 });
      if (!(WIRE_ERROR_CODES as readonly string[]).includes(code)) m.fail('code', `unknown error code ${JSON.stringify(code)}`);
      const out: ErrorMsg = { t, code: code as WireErrorCode, message: m.str('message', { max: MAX_ERROR_TEXT }) };
      if (m.has('rid')) out.rid = rid();
      return out;
    }
    case 'chunks.get':
      return {
        t,
        rid: rid(),
        id: fileId(m, 'id'),
        chunks: m.intList('chunks', MAX_CHUNKS_PER_REQUEST, 0, MAX_FILE_CHUNKS - 1),
        token: m.str('token', { max: 32, re: TOKEN_RE }),
        port: m.int('port', 1, 65535),
      };
    case 'files.get': {
      const ids = m.array('ids', MAX_FILES_PER_REQUEST).map((v, i) => {
        if (typeof v !== 'string' || !FILE_ID_RE.test(v)) m.fail(`ids[${i}]`, 'expected 64 lowercase hex digits');
        return v as FileId;
      });
      if (ids.length === 0) m.fail('ids', 'is empty');
      if (new Set(ids).size !== ids.length) m.fail('ids', 'has duplicates');
      return { t, rid: rid(), ids, token: m.str('token', { max: 32, re: TOKEN_RE }), port: m.int('port', 1, 65535) };
    }
    case 'chunks.ok':
      return { t, rid: rid() };
    case 'data.hello': {
      const out: DataHello = { t, peer: m.str('peer', { max: 16, re: PEER_ID_RE }) as PeerId };
      if (m.has('id')) out.id = fileId(m, 'id');
      return out;
    }
    case 'chunk.missing':
      return { t, token: m.str('token', { max: 32, re: TOKEN_RE }), index: m.int('index', 0, MAX_FILE_CHUNKS - 1) };
    case 'chunks.cancel':
      return {
        t,
        token: m.str('token', { max: 32, re: TOKEN_RE }),
        chunks: m.intList('chunks', MAX_CHUNKS_PER_REQUEST, 0, MAX_FILE_CHUNKS - 1),
      };
    case 'hello':
      return validateHelloGet(m, rid());
    case 'hello.ok':
      return validateHelloOk(m, rid());
    default: {
      const push = validatePush(t, m, rid);
      if (push) return push;
      throw new LanmeshError('BAD_MESSAGE', `unknown message type ${JSON.stringify(t)}`);
    }
  }
}

function catalogEntry(f: Fields): CatalogEntry {
  const { name, size, chunkSize, chunks } = fileShape(f);
  const entry: CatalogEntry = { id: fileId(f, 'id'), name, size, chunkSize };
  if (f.has('path')) {
    const path = f.str('path', { min: 1, max: 1024 });
    const problem = pathProblem(path);
    if (problem) f.fail('path', problem);
    if (path.slice(path.lastIndexOf('/') + 1) !== name) f.fail('path', 'does not end in the entry\'s name');
    entry.path = path;
  }
  if (f.has('have')) {
    const bytes = Math.ceil(chunks / 8);
    const have = f.str('have', { max: 4 * Math.ceil(bytes / 3), re: BASE64_RE });
    const decoded = Buffer.from(have, 'base64').length;
    if (decoded !== bytes) f.fail('have', `bitfield of ${decoded} bytes, expected ${bytes} for ${chunks} chunks`);
    entry.have = have;
  }
  return entry;
}
