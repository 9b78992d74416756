// Pure DNS-SD record building and parsing for lanmesh discovery (RFC 6762 mDNS, RFC 6763 DNS-SD).
// No sockets here: mdns-discovery.ts sends what this builds and feeds it what arrives.
import type { RemoteInfo } from 'node:dgram';
import type { Answer, Packet, Question } from 'dns-packet';
import { PEER_ID_RE, asPeerId, type PeerId, type PortSet } from '../types.js';
import { printable, quoted } from '../text.js';

export const SERVICE_TYPE = '_lanmesh._tcp.local';
/** RFC 6763 §9 service type enumeration. */
export const META_QUERY = '_services._dns-sd._udp.local';
/** RFC 6762 §10: 75 minutes for PTR, SRV and TXT; host (A) records 120 s. */
export const DEFAULT_TTL_SEC = 4500;
export const HOST_TTL_SEC = 120;
export const TXT_VERSION = '1';
/** RFC 1035 §2.3.4: a label is at most 63 bytes. */
const MAX_LABEL_BYTES = 63;
/** RFC 6763 §6.1: each TXT string is at most 255 bytes. */
const MAX_TXT_ENTRY_BYTES = 255;
/** Keeps a response inside one Ethernet frame even on a host with many interfaces. */
const MAX_ADDRESSES = 16;
/** A private mesh's tag: 16 lowercase hex characters (wire/mesh-keys.ts). */
export const MESH_TAG_RE = /^[0-9a-f]{16}$/;

export interface SelfInfo {
  id: PeerId;
  name: string;
  ports: PortSet;
  rev: number;
  /** A one-shot command's throwaway peer: announced with role=oneshot so others keep it out of their lists. */
  transient?: boolean;
  /** A private mesh's tag (an HMAC of its secret, never the secret): announced as mesh=. */
  mesh?: string;
}

export interface RemotePeerInfo {
  id: PeerId;
  name: string;
  /** Source address of the peer's mDNS packets. */
  address: string;
  ports: PortSet;
  rev: number;
  /** It announced role=oneshot: a one-shot command passing through, not a peer to list. */
  transient?: true;
  /** The private mesh it belongs to (mesh=), absent for an open-mesh peer. */
  mesh?: string;
}

export interface Announcement {
  info: RemotePeerInfo;
  /** 0 means goodbye (RFC 6762 §10.1). */
  ttlSec: number;
}

export interface RecordSet {
  answers: Answer[];
  additionals: Answer[];
}

/** Longest prefix of `s` that fits in `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (used + n > maxBytes) break;
    out += ch;
    used += n;
  }
  return out;
}

/**
 * `<name>-<peer id>`, at most 63 bytes. Dots and backslashes become '-' because dns-packet
 * neither escapes nor unescapes them (a dot would split the label); control characters too.
 */
export function instanceLabel(self: Pick<SelfInfo, 'id' | 'name'>): string {
  const suffix = `-${self.id}`;
  // eslint-disable-next-line no-control-regex
  const clean = self.name.replace(/[.\\\u0000-\u001f\u007f]/g, '-').trim();
  const head = truncateUtf8(clean || 'peer', MAX_LABEL_BYTES - Buffer.byteLength(suffix));
  return head + suffix;
}

export const instanceName = (self: Pick<SelfInfo, 'id' | 'name'>): string => `${instanceLabel(self)}.${SERVICE_TYPE}`;
export const hostName = (id: PeerId): string => `lanmesh-${id}.local`;

function txtEntries(self: SelfInfo): string[] {
  const p = self.ports;
  const entries = [
    `v=${TXT_VERSION}`,
    `id=${self.id}`,
    `name=${self.name}`,
    `ports=${p.receiver},${p.sender},${p.distributor},${p.distributee}`,
    `rev=${self.rev}`,
    ...(self.transient ? ['role=oneshot'] : []),
    ...(self.mesh ? [`mesh=${self.mesh}`] : []),
  ];
  return entries.map((e) => truncateUtf8(e, MAX_TXT_ENTRY_BYTES));
}

/**
 * Every record this peer owns. answers: PTR service→instance (shared, no cache-flush), SRV and TXT
 * (unique: cache-flush set, RFC 6762 §10.2); additionals: the host's A records (unique) and, unless
 * this is a goodbye, the RFC 6763 §9 meta PTR (shared, and other lanmesh peers on this host still
 * hold it, so it is never sent with TTL 0).
 */
export function buildAnswers(self: SelfInfo, addresses: string[], ttlSec: number): RecordSet {
  const instance = instanceName(self);
  const host = hostName(self.id);
  const ttl = Math.max(0, Math.floor(ttlSec));
  const answers: Answer[] = [
    { name: SERVICE_TYPE, type: 'PTR', class: 'IN', ttl, data: instance },
    {
      name: instance,
      type: 'SRV',
      class: 'IN',
      ttl,
      flush: true,
      data: { priority: 0, weight: 0, port: self.ports.sender, target: host },
    },
    { name: instance, type: 'TXT', class: 'IN', ttl, flush: true, data: txtEntries(self).map((e) => Buffer.from(e)) },
  ];
  const additionals: Answer[] = uniqueIpv4(addresses).map((a) => ({
    name: host,
    type: 'A',
    class: 'IN',
    ttl: Math.min(ttl, HOST_TTL_SEC),
    flush: true,
    data: a,
  }));
  if (ttl > 0) additionals.push({ name: META_QUERY, type: 'PTR', class: 'IN', ttl, data: SERVICE_TYPE });
  return { answers, additionals };
}

function uniqueIpv4(addresses: string[]): string[] {
  const ok = addresses.filter((a) => /^\d{1,3}(\.\d{1,3}){3}$/.test(a) && a.split('.').every((o) => Number(o) <= 255));
  return [...new Set(ok)].slice(0, MAX_ADDRESSES);
}

const lower = (s: unknown): string => (typeof s === 'string' ? s.toLowerCase().replace(/\.$/, '') : '');

function questionIsForUs(q: Question, self: SelfInfo): boolean {
  const name = lower(q?.name);
  const type: string | undefined = q?.type;
  const any = type === 'ANY';
  if (name === SERVICE_TYPE || name === META_QUERY) return any || type === 'PTR';
  if (name === instanceName(self).toLowerCase()) return any || type === 'SRV' || type === 'TXT';
  if (name === hostName(self.id)) return any || type === 'A';
  return false;
}

/** RFC 6762 §7.1 known-answer suppression: the querier already holds our PTR with ≥ half its TTL. */
function ptrKnown(packet: Packet, self: SelfInfo, ttlSec: number): boolean {
  const instance = instanceName(self).toLowerCase();
  const known = Array.isArray(packet.answers) ? packet.answers : [];
  return known.some(
    (a) =>
      a?.type === 'PTR' &&
      lower(a.name) === SERVICE_TYPE &&
      lower(a.data) === instance &&
      typeof a.ttl === 'number' &&
      a.ttl >= ttlSec / 2,
  );
}

/** At most this many known answers in one browse query (the rest simply answer again). */
const MAX_KNOWN_ANSWERS = 32;

/**
 * The browse query (PTR for our service type) with known-answer suppression (RFC 6762 §7.1): the
 * peers we know, with their remaining TTL, so they do not answer again; peers we do not know do.
 */
export function browseQuery(known: ReadonlyArray<{ id: PeerId; name: string; expiresAt: number }>, nowMs: number): Packet & { questions: Question[] } {
  const answers: Answer[] = known
    .map((p) => ({ p, ttl: Math.floor((p.expiresAt - nowMs) / 1000) }))
    .filter(({ ttl }) => ttl > 0)
    .slice(0, MAX_KNOWN_ANSWERS)
    .map(({ p, ttl }) => ({ name: SERVICE_TYPE, type: 'PTR', class: 'IN', ttl, data: instanceName(p) }) as Answer);
  return { type: 'query', questions: [{ name: SERVICE_TYPE, type: 'PTR' }], answers };
}

/** True when a query asks for a record we own (class is ignored: QU queries decode as UNKNOWN_32769). */
export function isQueryForUs(packet: Packet, self: SelfInfo, ttlSec = DEFAULT_TTL_SEC): boolean {
  if (!packet || packet.type !== 'query' || !Array.isArray(packet.questions)) return false;
  const known = ptrKnown(packet, self, ttlSec);
  return packet.questions.some((q) => {
    if (!questionIsForUs(q, self)) return false;
    const onlyOurPtr = lower(q.name) === SERVICE_TYPE && q.type === 'PTR';
    return !(onlyOurPtr && known);
  });
}

function txtStrings(data: unknown): string[] | null {
  const items = Array.isArray(data) ? data : [data];
  const out: string[] = [];
  for (const it of items) {
    if (Buffer.isBuffer(it)) out.push(it.toString('utf8'));
    else if (typeof it === 'string') out.push(it);
    else return null;
  }
  return out;
}

/** RFC 6763 §6.4: keys are case-insensitive and only the first occurrence of a key counts. */
function txtMap(entries: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of entries) {
    const eq = e.indexOf('=');
    const key = (eq < 0 ? e : e.slice(0, eq)).toLowerCase();
    if (!key || m.has(key)) continue;
    m.set(key, eq < 0 ? '' : e.slice(eq + 1));
  }
  return m;
}

function parsePorts(s: string | undefined): PortSet | null {
  if (s === undefined) return null;
  const parts = s.split(',');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,5}$/.test(p))) return null;
  const n = parts.map(Number);
  if (!n.every((p) => p >= 1 && p <= 65535)) return null;
  return { receiver: n[0]!, sender: n[1]!, distributor: n[2]!, distributee: n[3]! };
}

type Reject = (reason: string) => void;

function parseTxtRecord(rec: Answer, address: string, reject: Reject): Announcement | null {
  const fail = (reason: string): null => {
    reject(reason);
    return null;
  };
  // Everything from the packet that a reason quotes goes through quoted(): one datagram must not
  // print forged lines (or escapes) on every peer of the LAN.
  const name = lower(rec.name);
  const label = name.slice(0, -(SERVICE_TYPE.length + 1));
  const on = quoted(name);
  if (!label || label.includes('.')) return fail(`bad instance name ${quoted(String(rec.name))}`);
  const ttl = (rec as { ttl?: unknown }).ttl;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0) return fail(`bad TTL on ${on}`);
  const entries = txtStrings((rec as { data?: unknown }).data);
  if (!entries) return fail(`bad TXT data on ${on}`);
  const txt = txtMap(entries);
  const v = txt.get('v');
  // No v= at all: not a lanmesh peer that speaks another version, but another program on our type.
  if (v === undefined) return fail(`${on} is an instance of another program (no v= in its TXT), ignored`);
  if (v !== TXT_VERSION) return fail(`unsupported v=${quoted(v)} on ${on}`);
  const id = txt.get('id');
  if (!id || !PEER_ID_RE.test(id)) return fail(`bad id on ${on}`);
  if (!label.endsWith(`-${id}`)) return fail(`instance ${on} does not match id ${id}`);
  const ports = parsePorts(txt.get('ports'));
  if (!ports) return fail(`bad ports on ${on}`);
  const revText = txt.get('rev');
  if (revText === undefined || !/^\d{1,15}$/.test(revText)) return fail(`bad rev on ${on}`);
  const peerName = txt.get('name');
  if (peerName === undefined) return fail(`no name on ${on}`);
  // Control characters (ANSI escapes) and bidi overrides from the network never reach a terminal.
  const info: RemotePeerInfo = { id: asPeerId(id), name: printable(peerName), address, ports, rev: Number(revText) };
  if (txt.get('role') === 'oneshot') info.transient = true;
  const mesh = txt.get('mesh');
  if (mesh !== undefined) {
    if (!MESH_TAG_RE.test(mesh)) return fail(`bad mesh tag on ${on}`);
    info.mesh = mesh;
  }
  return { info, ttlSec: ttl };
}

/**
 * The lanmesh peers a response announces (or says goodbye for, ttlSec 0). The TXT record is what
 * counts: it carries id, name, ports and rev; SRV/A are for standard browsers. Malformed records
 * are dropped (reported through `onReject`), other services ignored. Never throws.
 */
export function parseAnnouncements(packet: Packet, rinfo: Pick<RemoteInfo, 'address'>, onReject?: Reject): Announcement[] {
  const reject: Reject = onReject ?? (() => {});
  try {
    if (!packet || packet.type !== 'response' || typeof rinfo?.address !== 'string') return [];
    const records = [
      ...(Array.isArray(packet.answers) ? packet.answers : []),
      ...(Array.isArray(packet.additionals) ? packet.additionals : []),
    ];
    const out: Announcement[] = [];
    const seen = new Set<string>();
    for (const rec of records) {
      if (rec?.type !== 'TXT' || !lower(rec.name).endsWith(`.${SERVICE_TYPE}`)) continue;
      if ((rec as { class?: unknown }).class !== 'IN') continue;
      const a = parseTxtRecord(rec, rinfo.address, reject);
      if (!a || seen.has(a.info.id)) continue;
      seen.add(a.info.id);
      out.push(a);
    }
    return out;
  } catch (e) {
    reject(`unparseable response: ${quoted(e instanceof Error ? e.message : String(e))}`);
    return [];
  }
}
