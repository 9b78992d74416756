// An index that matches LOOKUP on number and title, as the spec reads (issue 16.2): our LOOKUP's
// title is a placeholder, so it answers 404, and download must find the holder by LIST ALL.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IndexClient } from '../../src/compat/p2pci/index-client.js';
import { downloadRfc } from '../../src/compat/p2pci/download.js';
import { isLanmeshError } from '../../src/errors.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';
import { fakeUpload, hdr, listen } from '../support/p2pci-fakes.js';

/** A 20-line index: records in `records`; LOOKUP needs number and title to match; answers at the empty line. */
function titleIndex(records: string[]) {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  const server = createServer((s) => {
    sockets.add(s);
    let buf = '';
    s.on('data', (b) => {
      buf += b.toString();
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const req = buf.slice(0, end);
        buf = buf.slice(end + 4);
        requests.push(req.split('\r\n')[0]!);
        const lookup = /^LOOKUP RFC (\d+) [\s\S]*\r\nTitle: (.*)/.exec(req);
        const hits = lookup ? records.filter((r) => r.startsWith(`RFC ${lookup[1]} ${lookup[2]} `)) : records;
        s.write(hits.length ? `P2P-CI/1.0 200 OK\r\n${hits.map((r) => `${r}\r\n`).join('')}\r\n` : 'P2P-CI/1.0 404 Not Found\r\n\r\n');
      }
    });
  });
  return listen(server, sockets, { requests });
}

test('LOOKUP 404 from a title-matching index: the holder comes from LIST ALL, and download says so', withTimeout(10_000, async () => {
  const tmp = await makeTmpDir();
  const text = Buffer.from('RFC 162 NETBUGGER3\r\n');
  const upload = await fakeUpload([Buffer.from(hdr(text.length)), text]);
  const index = await titleIndex([`RFC 791 Internet Protocol 127.0.0.1 1`, `RFC 162 NETBUGGER3 127.0.0.1 ${upload.port}`]);
  const client = await IndexClient.connect({ host: '127.0.0.1', port: index.port, uploadPort: 9 });
  try {
    const init = { downloadsDir: join(tmp.path, 'downloads'), partialDir: join(tmp.path, 'partial') };
    const got = await downloadRfc(client, 162, init);
    assert.is(got.via, 'LIST ALL');
    assert.is(got.from.port, upload.port);
    assert.is(got.title, 'NETBUGGER3');
    assert.is(await readFile(got.path, 'latin1'), text.toString('latin1'));
    assert.equal(index.requests, ['LOOKUP RFC 162 P2P-CI/1.0', 'LIST ALL P2P-CI/1.0']);
    let err: unknown;
    await downloadRfc(client, 4, init).catch((e) => (err = e));
    assert.ok(isLanmeshError(err, 'NOT_FOUND') && /LOOKUP and LIST ALL/.test(String(err)), String(err));
  } finally {
    await client.close();
    await index.close();
    await upload.close();
    await tmp.remove();
  }
}));

test.run();
