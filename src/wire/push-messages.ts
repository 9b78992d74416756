// The push messages (docs/PROTOCOL.md "Push"): the offer on the distributee port (T+3), its answer,
// and the progress reports on the distributor port (T+2). Pure: types, limits, a strict validator.
import { PEER_ID_RE } from '../types.js';
import type { Manifest, PeerId } from '../types.js';
import { Fields } from './fields.js';
import { MAX_FILE_CHUNKS, TOKEN_RE, bitfield, manifest } from './shapes.js';

export const PUSH_VERDICTS = ['accept', 'held', 'no-space', 'refused'] as const;
/** accept: send me chunks; held: I have the file already (I serve it); no-space / refused: not taken. */
export type PushVerdict = (typeof PUSH_VERDICTS)[number];
export const REPORT_STATES = ['running', 'done', 'failed'] as const;
export type ReportState = (typeof REPORT_STATES)[number];
export const MAX_PUSH_REASON = 256;
/** A report's bitfield: one bit per chunk of the largest file. */
export const MAX_HAVE_BYTES = Math.ceil(MAX_FILE_CHUNKS / 8);

/**
 * Origin → recipient (distributee port). `push` tags this push's chunk frames; `port` is the origin's
 * distributor port, dialled at the address this offer came from for the reports.
 */
export interface PushOffer { t: 'push.offer'; rid: number; push: string; from: PeerId; port: number; manifest: Manifest }
export interface PushAnswer { t: 'push.answer'; rid: number; verdict: PushVerdict; reason?: string }
/** Recipient → origin (distributor port), a notice: what it holds now and who sent it. */
export interface PushReport {
  t: 'push.report';
  push: string;
  peer: PeerId;
  /** base64 bitfield of the verified chunks, exactly ⌈chunks/8⌉ bytes. */
  have: string;
  fromOrigin: number;
  fromPeers: number;
  state: ReportState;
}

/** Entries of one push.holders message (other recipients of the push). */
export const MAX_PUSH_HOLDERS = 256;
/** Chunk indices in one push.holders message, over all its entries (the origin splits longer news). */
export const MAX_HOLDER_INDICES = 65_536;

/**
 * Origin → recipient, a notice on the report connection (T+2): chunks other recipients of this push
 * reported verified since the last such notice on this connection (the first one says everything).
 * A hint: the recipient may ask those peers for them at once, without waiting for their catalogs.
 */
export interface PushHolders {
  t: 'push.holders';
  push: string;
  holders: Array<{ peer: PeerId; add: number[] }>;
}

export type PushMessage = PushOffer | PushAnswer | PushReport | PushHolders;

const oneOf = <T extends string>(f: Fields, key: string, list: readonly T[]): T => {
  const v = f.str(key, { max: 16 });
  if (!(list as readonly string[]).includes(v)) f.fail(key, `unknown value ${JSON.stringify(v)}`);
  return v as T;
};

/** The push message of type `t` read from `m`, or undefined when `t` is not a push type. */
export function validatePush(t: string, m: Fields, rid: () => number): PushMessage | undefined {
  switch (t) {
    case 'push.offer':
      return {
        t,
        rid: rid(),
        push: m.str('push', { max: 32, re: TOKEN_RE }),
        from: m.str('from', { max: 16, re: PEER_ID_RE }) as PeerId,
        port: m.int('port', 1, 65535),
        manifest: manifest(m.sub('manifest')),
      };
    case 'push.answer': {
      const out: PushAnswer = { t, rid: rid(), verdict: oneOf(m, 'verdict', PUSH_VERDICTS) };
      if (m.has('reason')) out.reason = m.str('reason', { max: MAX_PUSH_REASON });
      return out;
    }
    case 'push.report':
      return {
        t,
        push: m.str('push', { max: 32, re: TOKEN_RE }),
        peer: m.str('peer', { max: 16, re: PEER_ID_RE }) as PeerId,
        have: bitfield(m, 'have', MAX_HAVE_BYTES),
        fromOrigin: m.int('fromOrigin', 0, MAX_FILE_CHUNKS),
        fromPeers: m.int('fromPeers', 0, MAX_FILE_CHUNKS),
        state: oneOf(m, 'state', REPORT_STATES),
      };
    case 'push.holders': {
      const list = m.array('holders', MAX_PUSH_HOLDERS);
      let total = 0;
      const seen = new Set<string>();
      const holders = list.map((v, i) => {
        const f = Fields.of(v, m.path(`holders[${i}]`));
        const peer = f.str('peer', { max: 16, re: PEER_ID_RE }) as PeerId;
        if (seen.has(peer)) m.fail(`holders[${i}].peer`, `duplicate ${peer}`);
        seen.add(peer);
        const add = f.intList('add', MAX_HOLDER_INDICES - total, 0, MAX_FILE_CHUNKS - 1);
        total += add.length;
        return { peer, add };
      });
      return { t, push: m.str('push', { max: 32, re: TOKEN_RE }), holders };
    }
    default:
      return undefined;
  }
}
