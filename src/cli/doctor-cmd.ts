// `lanmesh doctor [-t PORT] [--peer HOST:PORT]… [--dir FOLDER]`: runs the discovery checks without
// starting a peer and prints them; exit 0 when nothing failed, 1 otherwise (2: a bad flag).
import type { Writable } from 'node:stream';
import { resolve } from 'node:path';
import { runDoctor, formatDoctor } from '../doctor/doctor.js';
import { mergeEntries, parseStaticEntry, parseStaticList } from '../discovery/static-list.js';
import { readPeersFile } from '../discovery/peers-file.js';
import { LanmeshError, describeError } from '../errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { loadSecret } from '../peer/secret.js';
import { PrivateMesh } from '../wire/secure-socket.js';
import { deriveMeshKeys } from '../wire/mesh-keys.js';

export interface DoctorCmdInit {
  flags: { transferPort?: number; peer?: string[]; dir?: string; secret?: string };
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: Writable;
  stderr: Writable;
}

export async function runDoctorCommand(o: DoctorCmdInit): Promise<number> {
  try {
    if (o.args.length > 0) throw new LanmeshError('BAD_COMMAND', `doctor takes no argument, got '${o.args[0]}'`);
    const t = o.flags.transferPort;
    if (t !== undefined && (!Number.isInteger(t) || t < 1 || t > 65532)) throw new LanmeshError('BAD_CONFIG', `-t must be 1..65532, got ${t}`);
    const staticPeers = mergeEntries(
      (o.flags.peer ?? []).map((p) => parseStaticEntry(p)),
      parseStaticList(o.env.LANMESH_PEERS ?? '', 'LANMESH_PEERS'),
      o.flags.dir !== undefined ? await readPeersFile(resolve(o.cwd, o.flags.dir)) : [],
    );
    // A private mesh's static peers answer only over its TLS: probe them with the same secret.
    const given = o.flags.secret ?? (o.env.LANMESH_SECRET || undefined);
    const secret = given !== undefined || o.flags.dir !== undefined ? await loadSecret(given, resolve(o.cwd, o.flags.dir ?? '.')) : undefined;
    const security = secret === undefined ? undefined : new PrivateMesh(deriveMeshKeys(secret));
    o.stdout.write('lanmesh doctor: why peers may not see each other (takes about 3 s)\n');
    const report = await runDoctor({ port: t, staticPeers, security });
    o.stdout.write(formatDoctor(report).join('\n') + '\n');
    return report.healthy ? EXIT.ok : EXIT.failed;
  } catch (err) {
    o.stderr.write(`lanmesh doctor: ${describeError(err)}\n`);
    return exitCodeFor(err);
  }
}
