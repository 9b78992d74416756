// A hostile but protocol-correct seeder for hostile-peer.ts: it answers catalog, manifest and chunk
// requests on its sender port and dials the requester back like a real peer, but either corrupts
// every chunk it sends (mode corrupt), offers files under unsafe names (mode evilseed), or lists its
// file with size 1 but sends the true manifest, bumping its revision every 500 ms (mode wrongsize).
import { createServer, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { FramedConnection, dialFramed } from '../../src/wire/connection.js';
import type { ControlMessage } from '../../src/wire/messages.js';
import { buildManifest } from '../../src/store/manifest.js';
import { encodeControl } from '../../src/wire/frame.js';
import type { Manifest, PeerId } from '../../src/types.js';

const CHUNK = 1024 * 1024;
/** Paths the evilpaths mode lists (each with the right name as its last segment), and one good one. */
export const EVIL_PATHS = ['../x', 'a/../../b', '/etc/x', 'a//b', `${'d/'.repeat(300)}deep`, 'evil/ok.txt'];
export const EVIL_NAMES = ['../escape.txt', '/etc/evil-lanmesh.txt', 'a/../../b.txt', '..', 'sub\\..\\..\\win.txt'];

interface Held {
  manifest: Manifest;
  bytes: Buffer;
  path?: string;
}

function manifestOf(name: string, bytes: Buffer): Manifest {
  const hashes: string[] = [];
  for (let off = 0; off < bytes.length; off += CHUNK) {
    hashes.push(createHash('sha256').update(bytes.subarray(off, off + CHUNK)).digest('hex'));
  }
  return buildManifest(name, bytes.length, CHUNK, hashes);
}

export type SeederMode = 'corrupt' | 'evilseed' | 'wrongsize' | 'evilpaths';

export async function startSeeder(mode: SeederMode, id: PeerId, base: number, file?: string, rev = () => 1): Promise<Server> {
  const held: Held[] = [];
  if (mode === 'corrupt' || mode === 'wrongsize') {
    if (!file) throw new Error('corrupt mode needs a file');
    const bytes = await readFile(file);
    held.push({ manifest: manifestOf(basename(file), bytes), bytes });
  } else if (mode === 'evilpaths') {
    EVIL_PATHS.forEach((path, i) => {
      const bytes = Buffer.from(`evil path ${i}\n`);
      held.push({ manifest: manifestOf(path.slice(path.lastIndexOf('/') + 1) || 'x', bytes), bytes, path });
    });
  } else {
    EVIL_NAMES.forEach((name, i) => {
      const bytes = Buffer.from(`evil file ${i}\n`);
      held.push({ manifest: manifestOf(name, bytes), bytes });
    });
  }
  const links = new Map<string, Promise<FramedConnection>>();
  const link = (address: string, port: number): Promise<FramedConnection> => {
    const key = `${address}|${port}`;
    let p = links.get(key);
    if (!p) {
      p = dialFramed(address, port).then(async (c) => {
        c.on('close', () => links.delete(key));
        c.on('warning', () => undefined);
        await c.send({ t: 'data.hello', peer: id });
        return c;
      });
      p.catch(() => links.delete(key));
      links.set(key, p);
    }
    return p;
  };

  const serve = async (msg: ControlMessage, conn: FramedConnection, socket: Socket): Promise<void> => {
    const find = (fid: string) => held.find((h) => h.manifest.id === fid);
    switch (msg.t) {
      case 'catalog.get': {
        const files = held.map(({ manifest: { id: fid, name, size, chunkSize }, path }) => ({ id: fid, name, size: mode === 'wrongsize' ? 1 : size, chunkSize, ...(path && { path }) }));
        // Hostile paths would not pass our own send-side check: written raw.
        if (mode === 'evilpaths') return void socket.write(encodeControl({ t: 'catalog', rid: msg.rid, peer: id, rev: rev(), files }));
        await conn.send({ t: 'catalog', rid: msg.rid, peer: id, rev: rev(), files });
        // The test waits on these: each is a catalog change on the peer that fetched it.
        if (mode === 'wrongsize') process.stdout.write('served catalog\n');
        return;
      }
      case 'manifest.get': {
        const h = find(msg.id);
        if (h) await conn.send({ t: 'manifest', rid: msg.rid, manifest: h.manifest });
        else await conn.send({ t: 'error', rid: msg.rid, code: 'NOT_FOUND', message: 'no' });
        return;
      }
      case 'files.get': {
        const data = await link(socket.remoteAddress!.replace(/^::ffff:/, ''), msg.port);
        await conn.send({ t: 'chunks.ok', rid: msg.rid });
        const token = Buffer.from(msg.token, 'hex');
        for (const [i, fid] of msg.ids.entries()) {
          const h = find(fid);
          if (h) await data.sendChunk(token, i, h.bytes);
        }
        return;
      }
      case 'chunks.get': {
        const h = find(msg.id);
        if (!h) return void (await conn.send({ t: 'error', rid: msg.rid, code: 'NOT_FOUND', message: 'no' }));
        const data = await link(socket.remoteAddress!.replace(/^::ffff:/, ''), msg.port);
        await conn.send({ t: 'chunks.ok', rid: msg.rid });
        const token = Buffer.from(msg.token, 'hex');
        for (const i of msg.chunks) {
          const chunk = Buffer.from(h.bytes.subarray(i * CHUNK, (i + 1) * CHUNK));
          if (mode === 'corrupt' && chunk.length > 0) chunk[chunk.length >> 1] ^= 0x5a;
          await data.sendChunk(token, i, chunk);
        }
        return;
      }
      default:
        return;
    }
  };

  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    const conn = new FramedConnection(socket);
    conn.on('warning', () => undefined);
    conn.on('control', (msg: ControlMessage) => void serve(msg, conn, socket).catch(() => conn.close()));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(base + 1, '0.0.0.0', () => resolve());
  });
  return server;
}
