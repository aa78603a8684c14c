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
  readonly url: string;
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

export async function startRedis(options: { password?: string } = {}): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'yes', '--daemonize', 'no', ...(options.password ? ['--requirepass', options.password] : [])];
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
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop,
    async restart() {
      await stop();
      await launch();
    },
  };
}
