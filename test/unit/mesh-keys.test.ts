// mesh-keys.ts and the secret's sources: derivation is stable and separates meshes, the tag is
// announced (never the secret), .lanmesh/secret must be owner-only, flags win over the environment.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as dnsPacket from 'dns-packet';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkSecret, deriveMeshKeys } from '../../src/wire/mesh-keys.js';
import { loadSecret, newSecretPhrase } from '../../src/peer/secret.js';
import { parsePeerConfig } from '../../src/config.js';
import { buildAnswers, parseAnnouncements, MESH_TAG_RE, type SelfInfo } from '../../src/discovery/records.js';
import { asPeerId, portSet } from '../../src/types.js';
import { isLanmeshError } from '../../src/errors.js';
import { makeTmpDir } from '../support/tmp-dir.js';

const SECRET = 'correct horse battery staple';

test('the same secret gives the same keys; another secret other keys; the tag is 16 hex and not the key', () => {
  const a = deriveMeshKeys(SECRET);
  const b = deriveMeshKeys(`  ${SECRET}`.trim());
  const c = deriveMeshKeys('correct horse battery stapler');
  assert.equal(a.psk, b.psk);
  assert.is(a.tag, b.tag);
  assert.is(a.psk.length, 32);
  assert.ok(!a.psk.equals(c.psk));
  assert.is.not(a.tag, c.tag);
  assert.ok(MESH_TAG_RE.test(a.tag), a.tag);
  assert.ok(!a.psk.toString('hex').includes(a.tag), 'the tag is not a slice of the key');
});

test('checkSecret: trims, refuses short, control characters and huge phrases', () => {
  assert.is(checkSecret(`  ${SECRET}\n`, 'x'), SECRET);
  for (const bad of ['short', 'has\u0007bell in it', 'x'.repeat(1025)]) {
    assert.throws(() => checkSecret(bad, '--secret'), (e: unknown) => isLanmeshError(e, 'BAD_CONFIG'));
  }
});

test('newSecretPhrase: six groups of five from an unambiguous alphabet, never the same twice', () => {
  const a = newSecretPhrase();
  assert.match(a, /^[a-km-np-z2-9]{5}(-[a-km-np-z2-9]{5}){5}$/);
  assert.is.not(a, newSecretPhrase());
  assert.not.throws(() => checkSecret(a, 'x'));
});

test('mDNS: mesh= goes out with the tag only and comes back; a bad tag is rejected, none means open', () => {
  const tag = deriveMeshKeys(SECRET).tag;
  const self: SelfInfo = { id: asPeerId('0123456789abcdef'), name: 'p', ports: portSet(9001), rev: 1, mesh: tag };
  const packet = dnsPacket.decode(dnsPacket.encode({ type: 'response', ...buildAnswers(self, ['10.0.0.2'], 9) }));
  assert.ok(!dnsPacket.encode(packet).includes(Buffer.from(SECRET)), 'the secret is not in the packet');
  assert.is(parseAnnouncements(packet, { address: '10.0.0.2' })[0]?.info.mesh, tag);
  const open = dnsPacket.decode(dnsPacket.encode({ type: 'response', ...buildAnswers({ ...self, mesh: undefined }, ['10.0.0.2'], 9) }));
  assert.is(parseAnnouncements(open, { address: '10.0.0.2' })[0]?.info.mesh, undefined);
  const forged = dnsPacket.decode(dnsPacket.encode({ type: 'response', ...buildAnswers({ ...self, mesh: 'NOT-HEX!' }, ['10.0.0.2'], 9) }));
  const reasons: string[] = [];
  assert.equal(parseAnnouncements(forged, { address: '10.0.0.2' }, (r) => reasons.push(r)), []);
  assert.match(reasons[0] ?? '', /bad mesh tag/);
});

test('config: --secret wins over LANMESH_SECRET; an empty variable is no secret', () => {
  assert.is(parsePeerConfig({ transferPort: 9001, secret: SECRET }, '/x', { LANMESH_SECRET: 'from the environment' }).secret, SECRET);
  assert.is(parsePeerConfig({ transferPort: 9001 }, '/x', { LANMESH_SECRET: 'from the environment' }).secret, 'from the environment');
  assert.is(parsePeerConfig({ transferPort: 9001 }, '/x', { LANMESH_SECRET: '' }).secret, undefined);
  assert.throws(() => parsePeerConfig({ transferPort: 9001 }, '/x', { LANMESH_SECRET: 'short' }), /LANMESH_SECRET: the secret must be at least/);
});

test('.lanmesh/secret: read when 0600, refused when open to others, absent means open mesh', async () => {
  const tmp = await makeTmpDir();
  try {
    assert.is(await loadSecret(undefined, tmp.path), undefined);
    await mkdir(join(tmp.path, '.lanmesh'));
    const file = join(tmp.path, '.lanmesh', 'secret');
    await writeFile(file, `${SECRET}\n`, { mode: 0o600 });
    assert.is(await loadSecret(undefined, tmp.path), SECRET);
    assert.is(await loadSecret('given wins over the file', tmp.path), 'given wins over the file');
    await chmod(file, 0o640);
    try {
      await loadSecret(undefined, tmp.path);
      assert.unreachable('a group-readable secret must be refused');
    } catch (e) {
      assert.ok(isLanmeshError(e, 'BAD_CONFIG'));
      assert.match((e as Error).message, /open to other users \(mode 0640\): chmod 600/);
    }
  } finally {
    await tmp.remove();
  }
});

test.run();
