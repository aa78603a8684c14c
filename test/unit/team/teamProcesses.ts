// Real processes for the team tests: the CLI bundled once, workers and an orchestrator spawned from it
// against a real redis-server, each with its output kept for the assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

export async function bundleCli(): Promise<string> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-cli-bundle-'));
  const cliJs = path.join(out, 'cli.js');
  await esbuild.build({ entryPoints: [path.resolve(__dirname, '../../../src/cli/main.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: cliJs, logLevel: 'silent' });
  fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(out, 'sql-wasm.wasm'));
  return cliJs;
}

export interface Spawned {
  readonly child: ChildProcess;
  out(): string;
  err(): string;
  readonly exited: Promise<number | null>;
}

export function spawnCli(cliJs: string, args: readonly string[], env: NodeJS.ProcessEnv, children: ChildProcess[]): Spawned {
  const child = spawn(process.execPath, [cliJs, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ceilingMs = 60_000): Promise<T> {
  const end = Date.now() + ceilingMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function killAll(children: ChildProcess[]): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
