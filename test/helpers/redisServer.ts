// A real redis-server (Debian's package) on a free loopback port with its own temporary directory, for
// the team-mode tests and benches: started, stopped, restarted on the same port, with a password
// when asked. Never a mock. .ci/run installs the package when it is missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RedisServer {
  readonly port: number;
  /** redis:// or, with `tls`, rediss:// (no credentials in it). */
  readonly url: string;
  /** With `tls`: the CA that signed the server's certificate (PEM file), for clients to trust. */
  readonly caFile?: string;
  readonly dir: string;
  stop(): Promise<void>;
  /** Stops and starts again on the same port (data kept in its append-only file). */
  restart(): Promise<void>;
}

export function redisAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A throwaway CA and a server certificate for 127.0.0.1 signed by it (openssl), for a TLS redis-server. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (name: string) => path.join(dir, name);
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.error?.message ?? r.stderr}`);
  };
  fs.writeFileSync(f('san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=codecompanion test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1']);
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '2', '-extfile', f('san.cnf')]);
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') };
}

export interface RedisOptions {
  /** requirepass: the default user's password. */
  readonly password?: string;
  /** ACL users, as redis.conf's `user` lines (e.g. `alice on >secret ~codecompanion:* &* +@all`). */
  readonly users?: readonly string[];
  /** Serve TLS only (rediss://), with a certificate from a throwaway CA. */
  readonly tls?: boolean;
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-redis-'));
  const certs = options.tls ? makeCertificates(dir) : undefined;
  let port = 0;
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const listen = certs
      ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no']
      : ['--port', String(port)];
    const args = [
      ...listen,
      ...['--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'yes', '--daemonize', 'no'],
      ...(options.password ? ['--requirepass', options.password] : []),
      ...(options.users ?? []).flatMap((u) => ['--user', ...u.split(' ')]),
    ];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start within 20 s: ${out.slice(-500)}`)), 20_000);
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited ${code}: ${out.slice(-500)}`));
      });
    });
  };
  for (let tries = 0; ; tries++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      if (tries >= 3) throw err; // the port was taken between the probe and the start: try another
    }
  }
  const stop = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  };
  return {
    port,
    url: `${certs ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    ...(certs ? { caFile: certs.ca } : {}),
    dir,
    stop,
    async restart() {
      await stop();
      await launch();
    },
  };
}
