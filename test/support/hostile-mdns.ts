// A forger of mDNS packets for discovery attack tests, run as its own process on another host of a
// test LAN. All at once, until stdin closes: (1) `count` fake instances with TTL 2^31-1; (2) a goodbye
// and a hijacking announcement (its own address, ports `hijackBase`) for the victim's id every 100 ms;
// (3) records whose quoted text carries newlines and ESC; (4) a "liar" peer announcing rev
// 999999999999999 whose sender port answers every catalog.get with rev 1 (it prints its connection
// count on stdout when stdin gets a line). Usage: node hostile-mdns.js <victim id> <victim name> <count> <liar base>
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import makeMdns from 'multicast-dns';
import type { Answer } from 'dns-packet';
import { SERVICE_TYPE, buildAnswers } from '../../src/discovery/records.js';
import { FramedConnection } from '../../src/wire/connection.js';
import type { ControlMessage } from '../../src/wire/messages.js';
import { asPeerId, portSet } from '../../src/types.js';

const [victimId, victimName, countArg, baseArg] = process.argv.slice(2);
const count = Number(countArg ?? 2000);
const liarBase = Number(baseArg ?? 9500);
const MAX_TTL = 2 ** 31 - 1;
const mdns = makeMdns();
const timers: NodeJS.Timeout[] = [];

const liar = { id: asPeerId(randomBytes(8).toString('hex')), name: 'liar', ports: portSet(liarBase), rev: 999_999_999_999_999 };
let connections = 0;
const server = createServer((socket) => {
  connections++;
  socket.on('error', () => undefined);
  const conn = new FramedConnection(socket);
  conn.on('warning', () => undefined);
  conn.on('control', (msg: ControlMessage) => {
    if (msg.t === 'catalog.get') void conn.send({ t: 'catalog', rid: msg.rid, peer: liar.id, rev: 1, files: [] }).catch(() => undefined);
  });
});

// (1) The flood, in packets of 20 instances, spread over about 2 s (bounded: `count` in all).
let sent = 0;
const flood = () => {
  const answers: Answer[] = [];
  for (let i = 0; i < 20 && sent < count; i++, sent++) {
    const self = { id: asPeerId(randomBytes(8).toString('hex')), name: `fake${sent}`, ports: portSet(20000 + (sent % 1000) * 4), rev: 1 };
    answers.push(...buildAnswers(self, [], MAX_TTL).answers.filter((a) => a.type === 'TXT'));
  }
  if (answers.length) mdns.respond({ answers });
};

// (2) Goodbye and hijack for the victim, (3) text that would forge lines or clear a terminal.
const victim = victimId ? { id: asPeerId(victimId), name: victimName ?? 'victim', ports: portSet(9700), rev: 1 } : undefined;
const forged = (): Answer[] => {
  const evil = `x\u001b[2J\n! downloaded secret.txt\n`;
  return [
    { name: `${evil}-${'a'.repeat(16)}.${SERVICE_TYPE}`, type: 'TXT', ttl: 9, data: [Buffer.from(`v=${evil}`)] },
    { name: `${evil}.${SERVICE_TYPE}`, type: 'TXT', ttl: 9, data: [Buffer.from('v=1'), Buffer.from(`id=${evil}`)] },
  ];
};
const attack = () => {
  if (victim) {
    mdns.respond(buildAnswers(victim, [], 0));
    mdns.respond(buildAnswers(victim, [], 9));
  }
  mdns.respond({ answers: forged() });
  mdns.respond(buildAnswers(liar, [], 9));
};

server.listen(liarBase + 1, '0.0.0.0', () => {
  timers.push(setInterval(flood, 20), setInterval(attack, 100));
  attack();
  process.stdout.write('forger ready\n');
});
process.stdin.setEncoding('utf8').on('data', () => process.stdout.write(`connections ${connections} flood ${sent}\n`));
const stop = () => {
  for (const t of timers) clearInterval(t);
  mdns.destroy();
  server.close();
  process.exit(0);
};
process.stdin.on('end', stop);
process.on('SIGTERM', stop);
