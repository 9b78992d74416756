// The reference tools a user would otherwise pick: nginx (with its own prefix and config, one worker),
// curl, aria2c, iperf3, `tar | nc` and openssl. Each run returns wall time, CPU seconds and peak RSS.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { background, procChildren, procCpu, procPeakRss, sh, timed, until } from './proc.mjs';

/** Debian packages the references need, by the command that must exist. */
export const REFERENCE_TOOLS = { nginx: 'nginx-light', curl: 'curl', aria2c: 'aria2', iperf3: 'iperf3', nc: 'netcat-openbsd', openssl: 'openssl', tar: 'tar', '/usr/bin/time': 'time' };

async function listening(ns, port) {
  const { stdout } = await sh(['ip', 'netns', 'exec', ns, 'ss', '-ltnH', `sport = :${port}`]);
  return stdout.trim() !== '';
}

export class Nginx {
  static async start({ ns, address, port = 8080, root, prefix }) {
    await mkdir(join(prefix, 'tmp'), { recursive: true });
    const conf = join(prefix, 'nginx.conf');
    const t = join(prefix, 'tmp');
    await writeFile(
      conf,
      `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 100000;
  default_type application/octet-stream;
  client_body_temp_path ${t}/body; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fcgi;
  uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;
  server { listen ${address}:${port}; root ${root}; location / { } }
}
`,
    );
    const proc = background(ns, ['nginx', '-p', prefix, '-c', conf, '-e', `${prefix}/error.log`, '-g', 'daemon off;']);
    const n = new Nginx(proc, `http://${address}:${port}`);
    try {
      await until(() => listening(ns, port), `nginx on ${address}:${port}`, 15_000);
    } catch (e) {
      await n.stop();
      throw e;
    }
    return n;
  }

  constructor(proc, url) {
    this.proc = proc;
    this.url = url;
  }

  workers() {
    return procChildren(this.proc.pid);
  }

  cpu() {
    return this.workers().reduce((s, w) => s + procCpu(w), 0);
  }

  peakRss() {
    return Math.max(0, ...this.workers().map(procPeakRss));
  }

  stop() {
    return this.proc.kill('SIGQUIT');
  }
}

/** curl fetching each url to its file over one keep-alive connection (one curl process); `parallel`: up to 16 at once. */
export async function curlGet(ns, pairs, { logDir, nginx, fsync = false, parallel = false }) {
  const cfg = join(logDir, `curl-${process.hrtime.bigint()}.cfg`);
  await writeFile(cfg, pairs.map(([url, out]) => `url = "${url}"\noutput = "${out}"\n`).join(''));
  const w0 = nginx.cpu();
  const argv = fsync
    ? ['sh', '-c', `curl -sS --fail -K "$1" && sync -d ${pairs.map(([, o]) => `'${o}'`).join(' ')}`, 'sh', cfg]
    : ['curl', '-sS', '--fail', ...(parallel ? ['--parallel', '--parallel-max', '16'] : []), '-K', cfg];
  const r = await timed(ns, argv, { logDir, tag: 'curl' });
  return { seconds: r.wall, cpu: r.cpu + (nginx.cpu() - w0), rss: { curl: r.rssMb, nginx: nginx.peakRss() } };
}

/** aria2c splitting one file over several mirrors (one connection per mirror, 1 MiB pieces). */
export async function aria2Get(ns, urls, dir, name, { logDir, nginxes }) {
  const w0 = nginxes.reduce((s, n) => s + n.cpu(), 0);
  const r = await timed(
    ns,
    ['aria2c', '-q', `-x${urls.length}`, `-s${urls.length}`, '-k1M', '--file-allocation=none', '--allow-overwrite=true', '--auto-file-renaming=false',
      '--disable-ipv6=true', '--summary-interval=0', '-d', dir, '-o', name, ...urls],
    { logDir, tag: 'aria2c' },
  );
  const w1 = nginxes.reduce((s, n) => s + n.cpu(), 0);
  return { seconds: r.wall, cpu: r.cpu + (w1 - w0), rss: { aria2c: r.rssMb } };
}

/** iperf3 sending `bytes` from the server's namespace to the client's (the link's raw speed). */
export async function iperf(serverNs, address, clientNs, bytes, { logDir }) {
  const srv = background(serverNs, ['iperf3', '-s', '-1', '-B', address, '-p', '5201']);
  try {
    await until(() => listening(serverNs, 5201), 'iperf3 server', 15_000);
    const r = await timed(clientNs, ['iperf3', '-c', address, '-p', '5201', '-n', String(bytes), '-R'], { logDir, tag: 'iperf3' });
    return { seconds: r.wall, cpu: r.cpu, rss: { iperf3: r.rssMb } };
  } finally {
    await srv.kill();
  }
}

/** `tar | nc` from a folder to another: the receiver listens, the sender streams, both timed together. */
export async function tarNc(srcNs, srcDir, dstNs, dstAddress, dstDir, { logDir, port = 9900 }) {
  const rx = timed(dstNs, ['sh', '-c', `nc -l -s ${dstAddress} -p ${port} | tar -C '${dstDir}' -xf -`], { logDir, tag: 'tar-rx' });
  await until(() => listening(dstNs, port), 'nc listener', 15_000);
  const t0 = performance.now();
  const tx = await timed(srcNs, ['sh', '-c', `tar -C '${srcDir}' -cf - . | nc -N ${dstAddress} ${port}`], { logDir, tag: 'tar-tx' });
  const r = await rx;
  return { seconds: (performance.now() - t0) / 1000, cpu: tx.cpu + r.cpu, rss: { tar: Math.max(tx.rssMb, r.rssMb) } };
}

/** openssl dgst -sha256 over every file (one process). */
export async function opensslHash(paths, { logDir }) {
  const r = await timed(undefined, ['openssl', 'dgst', '-sha256', ...paths], { logDir, tag: 'openssl' });
  return { seconds: r.wall, cpu: r.cpu, rss: { openssl: r.rssMb } };
}
