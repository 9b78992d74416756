// A hostile "peer" for robustness tests, run as its own process inside a test namespace:
// it sprays garbage at UDP 5353, announces itself as a lanmesh peer, and answers every request on
// its sender port with a broken reply. Usage: node hostile-peer.js <mode> <base port> [file]
//   modes: oversized (length above MAX_FRAME), truncated (frame cut short, then close),
//          badjson (a control frame that is not JSON), evilnames (a valid catalog with unsafe names),
//          corrupt (a real seeder of [file] whose chunks are all corrupted: see hostile-seeder.ts),
//          evilseed (a real seeder of small files named ../escape.txt, /etc/evil.txt, …),
//          mute (lists wanted.bin, never answers manifest.get), liar (lists lies.bin and answers its
//          manifest.get with an error whose text carries newlines, a forged notice and ESC [2J)
//          evilpaths (a real seeder whose catalog gives files hostile paths: ../x, a/../../b, /etc/x, a//b, 300 deep)
//          wrongsize (a seeder of [file] that lists it with size 1 and bumps its revision: see hostile-seeder.ts)
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import makeMdns from 'multicast-dns';
import { buildAnswers } from '../../src/discovery/records.js';
import { encodeControl } from '../../src/wire/frame.js';
import { FramedConnection } from '../../src/wire/connection.js';
import type { ControlMessage } from '../../src/wire/messages.js';
import { asFileId, asPeerId, portSet } from '../../src/types.js';
import { startSeeder } from './hostile-seeder.js';

const mode = process.argv[2] ?? 'oversized';
const base = Number(process.argv[3] ?? 9101);
const id = asPeerId(randomBytes(8).toString('hex'));
const self = { id, name: `hostile-${mode}`, ports: portSet(base), rev: 1 };
const seeding = mode === 'corrupt' || mode === 'evilseed' || mode === 'wrongsize' || mode === 'evilpaths';
const seeder = seeding ? await startSeeder(mode, id, base, process.argv[4], () => self.rev) : undefined;

function reply(): Buffer {
  switch (mode) {
    case 'oversized': {
      const b = Buffer.alloc(5);
      b.writeUInt32BE(0xfffffff0, 0);
      b[4] = 1;
      return b;
    }
    case 'truncated': {
      const b = Buffer.alloc(5 + 10);
      b.writeUInt32BE(1000, 0);
      b[4] = 1;
      return b;
    }
    case 'badjson': {
      const body = Buffer.from('{"t":"catalog", this is not json');
      const b = Buffer.alloc(5);
      b.writeUInt32BE(body.length + 1, 0);
      b[4] = 1;
      return Buffer.concat([b, body]);
    }
    default: {
      const evil = ['../escape.txt', '/etc/evil.txt', 'a/../../b.txt', 'nul\u0000byte.txt'];
      const files = evil.map((name, i) => ({ id: String(i + 1).repeat(64).slice(0, 64), name, size: 5, chunkSize: 1048576 }));
      return encodeControl({ t: 'catalog', rid: 1, peer: id, rev: 1, files });
    }
  }
}

const MUTE_FILE = { id: asFileId('e'.repeat(64)), name: 'wanted.bin', size: 5, chunkSize: 1048576 };
const LIAR_FILE = { id: asFileId('d'.repeat(64)), name: 'lies.bin', size: 5, chunkSize: 1048576 };
const LIAR_TEXT = 'no\n\n* downloaded evil.txt\u001b[2J\r\u0007';

/** mute and liar: a framed server that answers catalog.get honestly and manifest.get not at all, or with a lie. */
const framed = (mode === 'mute' || mode === 'liar') && createServer((s) => {
  s.on('error', () => {});
  const conn = new FramedConnection(s, { idleTimeoutMs: 0 });
  conn.on('warning', () => undefined);
  conn.on('control', (msg: ControlMessage) => {
    if (msg.t === 'catalog.get') {
      void conn.send({ t: 'catalog', rid: msg.rid, peer: id, rev: 1, files: [mode === 'mute' ? MUTE_FILE : LIAR_FILE] }).catch(() => undefined);
    } else if (msg.t === 'manifest.get' && mode === 'liar') {
      void conn.send({ t: 'error', rid: msg.rid, code: 'NOT_FOUND', message: LIAR_TEXT }).catch(() => undefined);
    }
  });
});

const server = seeder || framed || createServer((s) => {
  s.on('error', () => {});
  s.once('data', () => {
    if (mode === 'truncated' || mode === 'oversized') s.end(reply());
    else s.write(reply());
  });
});
const listening = (cb: () => void) => (seeder ? cb() : server.listen(base + 1, '0.0.0.0', cb));
listening(() => {
  // A hostile seeder is otherwise well behaved: it sends no garbage datagrams.
  const garbage = createSocket({ type: 'udp4', reuseAddr: true });
  if (!seeder) garbage.bind(() => {
    for (let i = 0; i < 50; i++) garbage.send(randomBytes(1 + (i * 37) % 600), 5353, '224.0.0.251');
    // A well-formed DNS header claiming 65535 answers with nothing behind it.
    garbage.send(Buffer.from([0, 0, 0x84, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0]), 5353, '224.0.0.251');
  });
  const mdns = makeMdns();
  const announce = () => {
    // wrongsize: a new revision each time, so every peer refetches and its catalog changes.
    if (mode === 'wrongsize') self.rev++;
    mdns.respond(buildAnswers(self, [], 9));
  };
  mdns.on('query', announce);
  announce();
  const timer = setInterval(announce, mode === 'wrongsize' ? 500 : 2000);
  process.stdout.write(`hostile ready ${id}\n`);
  const stop = () => {
    clearInterval(timer);
    if (!seeder) garbage.close();
    mdns.destroy();
    server.close();
    process.exit(0);
  };
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
});
