// The `hello` exchange (docs/PROTOCOL.md "hello"): how a static peer is probed on its sender port.
// Pure: the message shapes, their limits and strict validation of what arrives.
import { PEER_ID_RE, type PeerId, type PortSet } from '../types.js';
import { Fields } from './fields.js';

/** Peers one hello answer may list (the ones the answerer sees itself). */
export const MAX_HELLO_PEERS = 32;
/** A peer's name in hello, as in its mDNS TXT (`name=` fits one 255-byte TXT string). */
export const MAX_HELLO_NAME = 250;
const MAX_REV = 999_999_999_999_999;
const IPV4_RE = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Who a peer is: id, name, the four ports (T, T+1, T+2, T+3) and its catalog revision. */
export interface HelloSelf {
  id: PeerId;
  name: string;
  ports: PortSet;
  rev: number;
}

/** A peer the answerer sees, with the IPv4 address it reaches it at. */
export interface HelloPeer extends HelloSelf {
  address: string;
}

/** Asker → sender port. `from`: the asker, so the answerer can probe it back (it is not trusted before). */
export interface HelloGet { t: 'hello'; rid: number; from?: HelloSelf }
export interface HelloMsg { t: 'hello.ok'; rid: number; self: HelloSelf; peers?: HelloPeer[] }

function ports(f: Fields): PortSet {
  const port = (k: string) => f.int(k, 1, 65535);
  return { receiver: port('receiver'), sender: port('sender'), distributor: port('distributor'), distributee: port('distributee') };
}

export function helloSelf(f: Fields): HelloSelf {
  return {
    id: f.str('id', { max: 16, re: PEER_ID_RE }) as PeerId,
    name: f.str('name', { min: 1, max: MAX_HELLO_NAME }),
    ports: ports(f.sub('ports')),
    rev: f.int('rev', 0, MAX_REV),
  };
}

export function helloPeer(f: Fields): HelloPeer {
  return { ...helloSelf(f), address: f.str('address', { max: 15, re: IPV4_RE }) };
}

export function validateHelloGet(m: Fields, rid: number): HelloGet {
  const out: HelloGet = { t: 'hello', rid };
  if (m.has('from')) out.from = helloSelf(m.sub('from'));
  return out;
}

export function validateHelloOk(m: Fields, rid: number): HelloMsg {
  const out: HelloMsg = { t: 'hello.ok', rid, self: helloSelf(m.sub('self')) };
  if (m.has('peers')) {
    out.peers = m.array('peers', MAX_HELLO_PEERS).map((v, i) => helloPeer(Fields.of(v, `hello.ok.peers[${i}]`)));
  }
  return out;
}
