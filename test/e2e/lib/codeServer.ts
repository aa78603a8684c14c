// One code-server (a real VS Code in a browser: 1.100 by default, see ensureDeps.sh) per test phase, in its own process group so
// that stopping it also stops its file watchers and extension hosts, with everything it writes
// (profile, extensions, logs, XDG dirs, TMPDIR) kept under the phase's folder.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface CodeServerOptions {
  /** code-server's install folder (what ensureDeps.sh prints). */
  readonly home: string;
  /** The phase's folder: user data, logs, XDG dirs and TMPDIR go under it. */
  readonly dir: string;
  /** Extensions folder (shared by phases: the .vsix is installed once). */
  readonly extensionsDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** false keeps VS Code's workspace trust on, so a fresh folder opens in restricted mode. */
  readonly trustAll: boolean;
  readonly userSettings: Record<string, unknown>;
}

export interface CodeServer {
  readonly url: string;
  readonly userDataDir: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

export function isolatedEnv(dir: string, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    XDG_CONFIG_HOME: path.join(dir, 'xdg/config'),
    XDG_DATA_HOME: path.join(dir, 'xdg/data'),
    XDG_CACHE_HOME: path.join(dir, 'xdg/cache'),
    TMPDIR: path.join(dir, 'tmp'),
  };
  for (const k of ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME', 'TMPDIR'] as const) fs.mkdirSync(env[k]!, { recursive: true });
  return env;
}

function bin(home: string): string {
  return path.join(home, 'node_modules/.bin/code-server');
}

/** The environment code-server runs in: a code-server installed with its own Node (see installCodeServer.sh) finds it first. */
function serverEnv(home: string, dir: string, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = isolatedEnv(dir, base);
  const nodeBin = path.join(home, 'node-bin');
  if (fs.existsSync(nodeBin)) env.PATH = `${fs.readFileSync(nodeBin, 'utf8').trim()}${path.delimiter}${env.PATH ?? ''}`;
  return env;
}

function commonArgs(o: Pick<CodeServerOptions, 'dir' | 'extensionsDir'>): string[] {
  return ['--auth', 'none', '--disable-telemetry', '--disable-update-check', '--user-data-dir', path.join(o.dir, 'user-data'), '--extensions-dir', o.extensionsDir, '--config', path.join(o.dir, 'cs.yaml')];
}

export function installExtension(home: string, dir: string, extensionsDir: string, vsix: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'cs.yaml'), '');
  const r = spawnSync(bin(home), [...commonArgs({ dir, extensionsDir }), '--install-extension', vsix], { env: serverEnv(home, dir, process.env), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`code-server --install-extension failed (${r.status}): ${r.stderr || r.stdout}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
/** Last resort if the runner dies between start and stop: no code-server outlives it. */
process.on('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

export async function startCodeServer(o: CodeServerOptions): Promise<CodeServer> {
  fs.mkdirSync(o.dir, { recursive: true });
  fs.writeFileSync(path.join(o.dir, 'cs.yaml'), '');
  const userDataDir = path.join(o.dir, 'user-data');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User/settings.json'), JSON.stringify(o.userSettings, null, 2));
  const port = await freePort();
  const logFile = path.join(o.dir, 'server.log');
  const out = fs.openSync(logFile, 'w');
  const args = [...commonArgs(o), '--bind-addr', `127.0.0.1:${port}`, ...(o.trustAll ? ['--disable-workspace-trust'] : [])];
  // detached: a new process group led by code-server, killed as a whole by stop()
  const child = spawn(bin(o.home), args, { detached: true, stdio: ['ignore', out, out], env: serverEnv(o.home, o.dir, o.env) });
  fs.closeSync(out);
  live.add(child);
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `code ${code} signal ${signal}`));
  const url = `http://127.0.0.1:${port}`;
  const server: CodeServer = {
    url,
    userDataDir,
    logFile,
    async stop() {
      killGroup(child, 'SIGTERM');
      for (let i = 0; i < 50 && exited === undefined; i++) await sleep(100);
      killGroup(child, 'SIGKILL'); // whatever of the group ignored SIGTERM (watchers, extension hosts)
      live.delete(child);
    },
  };
  // a ceiling in time, not in tries: under load each try itself takes longer
  const until = Date.now() + START_CEILING_MS;
  while (Date.now() < until) {
    if (exited !== undefined) throw new Error(`code-server exited at start (${exited}); see ${logFile}:\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    if (await healthy(url)) return server;
    await sleep(150); // a polling interval
  }
  await server.stop();
  throw new Error(`code-server did not answer on ${url}/healthz within ${START_CEILING_MS / 1000} s; see ${logFile}`);
}

/** How long code-server may take to answer at start (a few seconds idle; far more on a loaded 2-core machine). */
const START_CEILING_MS = 120_000;

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) })).ok;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
