// Commands about how peers are found: add-peer and forget-peer (static peers, probed over TCP), doctor.
import type { Command } from './command-types.js';
import { LanmeshError } from '../errors.js';
import { formatDoctor, runDoctor } from '../doctor/doctor.js';

export const addPeerCommand: Command = {
  name: 'add-peer',
  usage: 'add-peer <host:port>',
  takesArgument: true,
  summary: 'probe a peer mDNS cannot reach (port = its -t); it shows in peers while it answers',
  run({ peer }, rest) {
    if (!rest) throw new LanmeshError('BAD_COMMAND', 'add-peer wants HOST:PORT (PORT is that peer\'s -t)');
    const t = peer.addPeer(rest);
    return { lines: [`static peer ${t.host}:${t.port} added; probing its sender port ${t.port + 1}`] };
  },
};

export const forgetPeerCommand: Command = {
  name: 'forget-peer',
  usage: 'forget-peer <host:port | name | id>',
  takesArgument: true,
  summary: 'stop probing a static peer (it leaves peers unless mDNS sees it too)',
  run({ peer }, rest) {
    if (!rest) throw new LanmeshError('BAD_COMMAND', 'forget-peer what? give HOST:PORT, a peer name or an id');
    const gone = peer.forgetPeer(rest);
    if (gone.length === 0) throw new LanmeshError('NOT_FOUND', `no static peer '${rest}' (see peers)`);
    return { lines: gone.map((t) => `forgot static peer ${t.host}:${t.port}`) };
  },
};

export const doctorCommand: Command = {
  name: 'doctor',
  usage: 'doctor',
  summary: 'why don\'t I see peers? checks multicast, mDNS answers and each static peer (about 3 s)',
  async run({ peer }) {
    const p = peer.ports;
    const report = await runDoctor({
      running: { id: peer.id, ports: `TCP ${p.receiver},${p.sender},${p.distributor},${p.distributee}` },
      staticPeers: peer.staticPeers().filter((t) => t.configured).map((t) => ({ host: t.host, port: t.port })),
      security: peer.socketSecurity,
    });
    return { lines: formatDoctor(report) };
  },
};
