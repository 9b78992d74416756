// An old-style P2P-CI client and upload server, written here from the spec's bytes, against real
// lanmesh processes: our `index-server`, a peer's sender port (GET), and a peer fetching from them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startPeer, type PeerProcess } from '../support/peer-process.js';
import { startIndexServer, type IndexServerProcess } from '../support/index-server-process.js';
import { copySample, REPO } from '../support/samples.js';
import { makeTmpDir } from '../support/tmp-dir.js';
import { freePortRange, freeTcpPort } from '../support/free-port.js';
import { withTimeout } from '../support/with-timeout.js';

const T791 = 'Internet Protocol (summary for the lab)';
const RFC1123 = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** A client that reads exactly what arrives: answers end at "\r\n\r\n" (index) or at close (GET). */
class Raw {
  private buf = Buffer.alloc(0);
  readonly chunks: Buffer[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  private constructor(private readonly s: Socket) {
    s.on('data', (b: Buffer) => {
      this.chunks.push(b);
      this.buf = Buffer.concat([this.buf, b]);
      this.wake?.();
    });
    s.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    s.on('error', () => {});
  }

  static async open(port: number): Promise<Raw> {
    const s = connect(port, '127.0.0.1');
    await once(s, 'connect');
    return new Raw(s);
  }

  private async until(done: () => boolean): Promise<void> {
    while (!done()) {
      if (this.ended) throw new Error(`closed; got ${JSON.stringify(this.buf.toString('latin1'))}`);
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  /** Sends `req` and returns one index answer (up to and including its empty line). */
  async ask(req: string): Promise<string> {
    this.s.write(req);
    let end = -1;
    await this.until(() => (end = this.buf.indexOf('\r\n\r\n')) >= 0);
    const out = this.buf.subarray(0, end + 4).toString('utf8');
    this.buf = this.buf.subarray(end + 4);
    return out;
  }

  /** Sends `req` and returns every byte until the server closes. */
  async all(req: string): Promise<Buffer> {
    this.s.write(req);
    await this.until(() => this.ended);
    return this.buf;
  }

  close(): void {
    this.s.destroy();
  }
}

test('old-style client ↔ lanmesh index-server and sender port; lanmesh peer ↔ old-style upload server', withTimeout(40_000, async () => {
  const tmp = await makeTmpDir();
  const indexPort = await freeTcpPort();
  let idx: IndexServerProcess | undefined;
  let peer: PeerProcess | undefined;
  let raw: Raw | undefined;
  const old = { body: Buffer.from('RFC 2345 — Old Style\r\n\r\nText kept by a classic P2P-CI peer.\r\n'), requests: [] as string[] };
  const oldServer = createServer((s) => {
    s.on('error', () => {});
    let req = '';
    s.on('data', (b: Buffer) => {
      req += b.toString('latin1');
      if (!req.includes('\r\n\r\n')) return;
      old.requests.push(req);
      const head = [
        'P2P-CI/1.0 200 OK', `Date: ${new Date().toUTCString()}`, 'OS: Linux 5.4', `Last-Modified: ${new Date(0).toUTCString()}`,
        `Content-Length: ${old.body.length}`, 'Content-Type: text/plain', '', '',
      ].join('\r\n');
      s.end(Buffer.concat([Buffer.from(head), old.body]));
    });
  });
  try {
    oldServer.listen(0, '127.0.0.1');
    await once(oldServer, 'listening');
    const oldPort = (oldServer.address() as { port: number }).port;
    idx = await startIndexServer({ port: indexPort, host: '127.0.0.1' });
    const dir = join(tmp.path, 'peer1');
    await copySample(1, dir);
    peer = await startPeer({ dir, port: await freePortRange(4), name: 'peer1', args: ['--index', `127.0.0.1:${indexPort}`, '--no-mdns'] });
    const up = peer.info.ports[1];
    const mine = `RFC 791 ${T791} 127.0.0.1 ${up}\r\n`;

    // The index server, byte for byte.
    raw = await Raw.open(indexPort);
    assert.is(
      await raw.ask(`ADD RFC 2345 P2P-CI/1.0\r\nHost: 127.0.0.1\r\nPort: ${oldPort}\r\nTitle: Old Style\r\n\r\n`),
      `P2P-CI/1.0 200 OK\r\nRFC 2345 Old Style 127.0.0.1 ${oldPort}\r\n\r\n`,
    );
    assert.is(
      await raw.ask(`LOOKUP RFC 791 P2P-CI/1.0\r\nHost: 127.0.0.1\r\nPort: ${oldPort}\r\nTitle: whatever\r\n\r\n`),
      `P2P-CI/1.0 200 OK\r\n${mine}\r\n`,
    );
    const listAll = `P2P-CI/1.0 200 OK\r\n${mine}RFC 2345 Old Style 127.0.0.1 ${oldPort}\r\n\r\n`;
    assert.is(await raw.ask(`LIST ALL P2P-CI/1.0\r\nHost: 127.0.0.1\r\nPort: ${oldPort}\r\n\r\n`), listAll);
    assert.is(await raw.ask(`LOOKUP RFC 9999 P2P-CI/1.0\r\nHost: 127.0.0.1\r\nPort: ${oldPort}\r\nTitle: x\r\n\r\n`), 'P2P-CI/1.0 404 Not Found\r\n\r\n');
    assert.is(await raw.ask(`LIST ALL P2P-CI/2.0\r\nHost: 127.0.0.1\r\nPort: ${oldPort}\r\n\r\n`), 'P2P-CI/1.0 505 P2P-CI Version Not Supported\r\n\r\n');
    assert.is(await raw.ask('HELLO THERE\r\n\r\n'), 'P2P-CI/1.0 400 Bad Request\r\n\r\n');
    // A sloppy variant (bare LF, lower-case headers, no empty line) on the same, still usable connection.
    assert.is(await raw.ask(`list all p2p-ci/1.0\nhost: 127.0.0.1\nport: ${oldPort}\n`), listAll);

    // The peer's sender port as a P2P-CI upload server.
    const file = join(REPO, 'peer1', 'shared', 'rfc791.txt');
    const bytes = await readFile(file);
    const get = await Raw.open(up);
    const answer = await get.all('GET RFC 791 P2P-CI/1.0\r\nHost: oldpeer\r\nOS: Linux 5.4\r\n\r\n');
    const split = answer.indexOf('\r\n\r\n');
    const head = answer.subarray(0, split).toString('latin1').split('\r\n');
    assert.is(head.length, 6, head.join(' | '));
    assert.is(head[0], 'P2P-CI/1.0 200 OK');
    assert.match(head[1]!.slice('Date: '.length), RFC1123);
    assert.match(head[2]!, /^OS: \S/);
    assert.is(head[3], `Last-Modified: ${(await stat(join(dir, 'shared', 'rfc791.txt'))).mtime.toUTCString()}`);
    assert.is(head[4], `Content-Length: ${bytes.length}`);
    assert.is(head[5], 'Content-Type: text/plain');
    assert.ok(answer.subarray(split + 4).equals(bytes), 'the body is exactly the file, nothing after it');
    assert.ok(get.chunks[0]!.includes('\r\n\r\n'), 'the header block arrives whole in the first read');
    const lf = await (await Raw.open(up)).all('GET RFC 791 P2P-CI/1.0\nhost: oldpeer\nos: Linux\n');
    assert.ok(lf.subarray(lf.indexOf('\r\n\r\n') + 4).equals(bytes), 'bare LF and no empty line still served');
    assert.is((await (await Raw.open(up)).all('GET RFC 9999 P2P-CI/1.0\r\nHost: h\r\nOS: o\r\n\r\n')).toString(), 'P2P-CI/1.0 404 Not Found\r\n\r\n');
    assert.is((await (await Raw.open(up)).all('GET RFC 791 P2P-CI/2.0\r\nHost: h\r\nOS: o\r\n\r\n')).toString(), 'P2P-CI/1.0 505 P2P-CI Version Not Supported\r\n\r\n');
    assert.is((await (await Raw.open(up)).all('GET ME A COFFEE\r\n\r\n')).toString(), 'P2P-CI/1.0 400 Bad Request\r\n\r\n');

    // lanmesh as the client: LOOKUP at our index, GET from the old-style upload server, re-register
    // (title from the file's first line, `RFC 2345 — Old Style`).
    const got = await peer.command('download 2345');
    assert.equal(got, [`downloaded RFC 2345 Old Style: ${old.body.length} B from 127.0.0.1:${oldPort} → downloads/rfc2345.txt`]);
    assert.is(old.requests.length, 1);
    assert.match(old.requests[0]!, /^GET RFC 2345 P2P-CI\/1\.0\r\nHost: \S+\r\nOS: [^\r\n]+\r\n\r\n$/);
    assert.ok((await readFile(join(dir, 'downloads', 'rfc2345.txt'))).equals(old.body));
    await peer.poll('list', (l) => l.some((x) => x.startsWith('*') && x.includes('RFC 2345')), { timeoutMs: 10_000 });
    assert.is(
      await raw.ask(`LIST ALL P2P-CI/1.0\r\nHost: 127.0.0.1\r\nPort: ${oldPort}\r\n\r\n`),
      `P2P-CI/1.0 200 OK\r\n${mine}RFC 2345 Old Style 127.0.0.1 ${oldPort}\r\nRFC 2345 Old Style 127.0.0.1 ${up}\r\n\r\n`,
    );
  } finally {
    raw?.close();
    await peer?.close();
    await idx?.close();
    await new Promise<void>((r) => oldServer.close(() => r()));
    await tmp.remove();
  }
}));

test.run();
