// The one place that decides what a TCP connection speaks underneath the frames: plain TCP (an open
// mesh) or TLS 1.2 with a pre-shared key derived from the mesh secret (a private mesh). Every listener
// (transfer/tcp-listener.ts) and every dial (wire/connection.ts dialFramed) goes through a
// SocketSecurity that the composition root (peer.ts) builds once; no other module knows which it is.
//
// Why TLS-PSK: a well-kept, reviewed record layer and handshake (OpenSSL through node:tls) instead of
// home-made crypto framing; a PSK needs no certificates, so the shared phrase alone proves membership
// both ways; ECDHE-PSK gives forward secrecy (a recorded session cannot be decrypted later, even with
// the secret); CHACHA20-POLY1305 is the only ECDHE-PSK AEAD suite OpenSSL offers in TLS 1.2 (node's
// pskCallback does not work with TLS 1.3).
import { connect as netConnect, type Socket } from 'node:net';
import { sniff } from './sniff.js';
import { TLSSocket, connect as tlsConnect, createSecureContext, type SecureContext } from 'node:tls';
import { WarningGate } from '../warning-gate.js';
import type { MeshKeys } from './mesh-keys.js';

export const PSK_CIPHER = 'ECDHE-PSK-CHACHA20-POLY1305';
const PSK_IDENTITY = 'lanmesh';
/** A TLS handshake record starts with this byte (content type 22). */
const TLS_HANDSHAKE = 0x16;
/** How long a fresh connection may take to open and finish the handshake. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** One refusal warning per remote address in this window. */
const REFUSAL_WINDOW_MS = 60_000;

/** What an accepted connection is, once the security layer let it through. */
export interface Accepted {
  socket: Socket;
  /** Bytes already read from a plaintext connection (the sniffed first byte); speak them first. */
  initial?: Buffer;
}

export interface AcceptOptions {
  /** Port name for warnings ("sender", …). */
  role: string;
  /**
   * A private listener may still let some plaintext through (the sender port's P2P-CI GET with
   * `--index`): true for a first byte it should. Ignored on an open mesh (all is plaintext).
   */
  plaintext?: (first: Buffer) => boolean;
}

export interface SocketSecurity {
  /** True for a private mesh (TLS-PSK). */
  readonly isPrivate: boolean;
  /** Client side: a socket that emits `ready` once it may carry frames. */
  connect(host: string, port: number): { socket: Socket; ready: 'connect' | 'secureConnect' };
  /** Server side: the socket to speak over, or undefined when refused (the raw socket is destroyed). */
  accept(raw: Socket, opts: AcceptOptions): Promise<Accepted | undefined>;
  /** A dial's socket error as one readable line. */
  explain(e: Error): string;
}

/** An open mesh: plain TCP both ways. */
export const OPEN_MESH: SocketSecurity = {
  isPrivate: false,
  connect: (host, port) => ({ socket: netConnect({ host, port }), ready: 'connect' }),
  accept: (raw) => Promise.resolve({ socket: raw }),
  explain: (e) => e.message,
};

/** A private mesh: TLS 1.2 ECDHE-PSK with the mesh's key; `onRefused` gets one line per address per minute. */
export class PrivateMesh implements SocketSecurity {
  readonly isPrivate = true;
  private readonly context: SecureContext;
  private readonly gate = new WarningGate(REFUSAL_WINDOW_MS);
  /** Connections refused (no TLS, or the handshake failed): for tests and logs. */
  refused = 0;

  constructor(private readonly keys: MeshKeys, private readonly onRefused: (msg: string) => void = () => {}) {
    this.context = createSecureContext({ ciphers: PSK_CIPHER, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
  }

  connect(host: string, port: number): { socket: Socket; ready: 'secureConnect' } {
    const socket = tlsConnect({
      host,
      port,
      secureContext: this.context,
      ciphers: PSK_CIPHER,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      pskCallback: () => ({ psk: this.keys.psk, identity: PSK_IDENTITY }),
      // No certificate in a PSK suite: the key itself authenticates the server.
      checkServerIdentity: () => undefined,
    });
    return { socket, ready: 'secureConnect' };
  }

  async accept(raw: Socket, opts: AcceptOptions): Promise<Accepted | undefined> {
    const from = (raw.remoteAddress ?? '?').replace(/^::ffff:/, '');
    const first = await sniff(raw, 1, HANDSHAKE_TIMEOUT_MS);
    if (!first) {
      raw.destroy();
      return undefined;
    }
    if (first[0] !== TLS_HANDSHAKE) {
      if (opts.plaintext?.(first)) return { socket: raw, initial: first };
      this.refuse(raw, from, 'plain', opts.role, 'it spoke without TLS (not a member of this private mesh)');
      return undefined;
    }
    raw.unshift(first);
    return new Promise((resolve) => {
      // pskCallback is honoured by TLSSocket (node ≥ 12.16) though @types/node leaves it out of its options.
      const tls = new TLSSocket(raw, {
        isServer: true,
        secureContext: this.context,
        pskCallback: () => this.keys.psk,
      } as ConstructorParameters<typeof TLSSocket>[1]);
      const done = (ok: boolean, why?: string): void => {
        clearTimeout(timer);
        tls.off('secure', onSecure);
        tls.off('error', onError);
        tls.off('close', onClose);
        if (ok) return resolve({ socket: tls });
        tls.on('error', () => {});
        tls.destroy();
        this.refuse(raw, from, 'tls', opts.role, why ?? 'closed during the handshake');
        resolve(undefined);
      };
      const onSecure = (): void => done(true);
      const onError = (e: Error): void => done(false, `it did not prove the mesh secret (TLS: ${tlsReason(e)})`);
      const onClose = (): void => done(false);
      const timer = setTimeout(() => done(false, `no TLS handshake within ${HANDSHAKE_TIMEOUT_MS} ms`), HANDSHAKE_TIMEOUT_MS);
      timer.unref();
      tls.once('secure', onSecure);
      tls.once('error', onError);
      tls.once('close', onClose);
    });
  }

  explain(e: Error): string {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('ERR_SSL')) return `it does not accept this mesh's secret (TLS: ${tlsReason(e)})`;
    if (code === 'ECONNRESET') return `closed during the TLS handshake (not a member of this private mesh, or another secret)`;
    return e.message;
  }

  /** One warning per address and kind (no TLS, failed handshake) per window, however many connections. */
  private refuse(raw: Socket, from: string, kind: 'plain' | 'tls', role: string, why: string): void {
    this.refused++;
    raw.on('error', () => {});
    raw.destroy();
    if (this.gate.admit(`${from} ${kind}`)) this.onRefused(`refused a connection from ${from} to the ${role} port: ${why}`);
  }
}

/** OpenSSL's short reason ("decryption failed or bad record mac") instead of its whole error stack line. */
function tlsReason(e: Error): string {
  return (e as { reason?: string }).reason ?? e.message.split('\n')[0]!;
}

