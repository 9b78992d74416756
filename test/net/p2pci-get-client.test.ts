// Our GET client against upload servers with loose header blocks (issue 16.3 and 16.6): header
// names with spaces, empty lines inside the header block, no Content-Length, no empty line at all.
// The file saved must be the file, never header lines, and the client must not wait for the idle
// timeout to find that out (every case runs with a 60 s idle timeout inside a 10 s test).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fetchRfc } from '../../src/compat/p2pci/fetch-rfc.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { withTimeout } from '../support/with-timeout.js';
import { fakeUpload } from '../support/p2pci-fakes.js';

const FILE = Buffer.from('Network Working Group   J. Postel\r\nRequest for Comments: 791\r\n\r\nINTERNET PROTOCOL\r\n');
const LEADING_BLANK = Buffer.from('\nRFC 162 NETBUGGER3\n');
const DATE = 'Date: Tue, 02 Jan 2024 03:04:05 GMT';
const MOD = 'Tue, 06 Jun 2023 07:08:09 GMT';

interface Case {
  what: string;
  reply: string[];
  close: boolean;
  want: Buffer;
  /** A warning is expected (the body may hold header lines). */
  warns?: boolean;
}

const len = FILE.length;
const body = FILE.toString('latin1');
const CASES: Case[] = [
  { what: '`Last Modified:` before Content-Length, never closes', close: false, want: FILE,
    reply: [`P2P-CI/1.0 200 OK\r\n${DATE}\r\nOS: Linux\r\nLast Modified: ${MOD}\r\nContent-Length: ${len}\r\nContent-Type: text/plain\r\n\r\n`, body] },
  { what: '`Last Modified:` before Content-Length, closes', close: true, want: FILE,
    reply: [`P2P-CI/1.0 200 OK\r\n${DATE}\r\nOS: Linux\r\nLast Modified: ${MOD}\r\nContent-Length: ${len}\r\nContent-Type: text/plain\r\n\r\n${body}`] },
  { what: '`Content Length:` and `Content_Type:`, no empty line, never closes', close: false, want: FILE,
    reply: [`P2P-CI/1.0 200 OK\r\nContent Length: ${len}\r\nContent_Type: text/plain\r\n`, body] },
  { what: 'empty line after the status line, never closes', close: false, want: FILE,
    reply: [`P2P-CI/1.0 200 OK\r\n\r\n${DATE}\r\nOS: Linux\r\nContent-Length: ${len}\r\n\r\n`, body] },
  { what: 'empty lines between headers, closes', close: true, want: FILE,
    reply: [`P2P-CI/1.0 200 OK\r\n${DATE}\r\n\r\nOS: Linux\r\n`, `\r\nContent-Length: ${len}\r\n\r\n${body}`] },
  { what: 'LF, no empty line, a file starting with an empty line, never closes', close: false, want: LEADING_BLANK,
    reply: [`P2P-CI/1.0 200 OK\n${DATE}\nOS: Linux\nLast-Modified: ${MOD}\nContent-Length: ${LEADING_BLANK.length}\nContent-Type: text/plain\n`, LEADING_BLANK.toString('latin1')] },
  { what: 'no Content-Length, header-like lines after the empty line, closes', close: true, warns: true,
    want: Buffer.from(`OS: Linux\r\nContent-Type: text/plain\r\n\r\n${body}`),
    reply: [`P2P-CI/1.0 200 OK\r\n${DATE}\r\n\r\nOS: Linux\r\nContent-Type: text/plain\r\n\r\n${body}`] },
  { what: 'no Content-Length, a plain body, closes', close: true, want: FILE,
    reply: [`P2P-CI/1.0 200 OK\r\n${DATE}\r\n\r\n${body}`] },
];

test('loose header blocks give the right file, and a body that may hold headers says so', withTimeout(10_000, async () => {
  const tmp = await makeTmpDir();
  try {
    for (const [i, c] of CASES.entries()) {
      const fake = await fakeUpload(c.reply.map((r) => Buffer.from(r, 'latin1')), { close: c.close });
      try {
        const dest = join(tmp.path, `case-${i}.tmp`);
        const r = await fetchRfc('127.0.0.1', fake.port, 791, dest, { timeoutMs: 60_000 });
        assert.is((await readFile(dest)).toString('latin1'), c.want.toString('latin1'), c.what);
        assert.is(r.bytes, c.want.length, c.what);
        if (c.warns) assert.match(r.warnings.join('\n'), /no Content-Length, and the file starts with 2 header-like line\(s\) \('OS: Linux'\)/, c.what);
        else assert.equal(r.warnings, [], c.what);
      } finally {
        await fake.close();
      }
    }
  } finally {
    await tmp.remove();
  }
}));

test.run();
