// `codecompanion serve` as a user starts it: a real process, the token file, the start-up lines, a
// clean stop on SIGTERM, and the refusal to listen beyond loopback without --allow-remote.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { runCli } from '../../helpers/cliRunner';
import { fakeEnv, sampleTeamServer, sampleWorkspace } from '../orchestrator/helpers';
import { serve } from './helpers';

interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly tokenFile: string;
  stderr(): string;
}

function startServe(cliJs: string, args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [cliJs, 'serve', '--port', '0', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, ...(JSON.parse(line) as { url: string; tokenFile: string }), stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (code) => resolve(code))));
}

describe('serve: the CLI command', function () {
  this.timeout(120_000);
  let cliJs: string;
  before(async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-serve-bundle-'));
    cliJs = path.join(out, 'cli.js');
    await esbuild.build({ entryPoints: [path.resolve(__dirname, '../../../src/cli/main.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: cliJs, logLevel: 'silent' });
    fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(out, 'sql-wasm.wasm'));
  });

  it('creates a 0600 token file, names it but never prints the token, serves with it, and stops cleanly on SIGTERM', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-serve-'));
    const s = await startServe(cliJs, ['--cwd', root]);
    try {
      assert.equal(s.tokenFile, path.join(root, '.codecompanion', 'api-token'));
      assert.equal(fs.statSync(s.tokenFile).mode & 0o777, 0o600);
      assert.ok(fs.existsSync(path.join(root, '.codecompanion', '.gitignore')), 'the token folder is git-ignored');
      const token = fs.readFileSync(s.tokenFile, 'utf8').trim();
      assert.match(token, /^[A-Za-z0-9_-]{43}$/, '256 random bits, base64url');
      assert.ok(!s.stderr().includes(token));
      assert.match(s.stderr(), /token: created in .*api-token/);
      assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await fetch(`${s.url}/health`)).status, 200);
      assert.equal((await fetch(`${s.url}/runs`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      s.child.kill('SIGTERM');
      assert.equal(await exited(s.child), 0);
    } finally {
      s.child.kill('SIGKILL');
    }
    // the same token on the next start; --rotate-token replaces it and the old one stops working
    const again = await startServe(cliJs, ['--cwd', root]);
    const token = fs.readFileSync(again.tokenFile, 'utf8').trim();
    again.child.kill('SIGTERM');
    await exited(again.child);
    assert.match(again.stderr(), /token: in /);
    const rotated = await startServe(cliJs, ['--cwd', root, '--rotate-token']);
    try {
      const fresh = fs.readFileSync(rotated.tokenFile, 'utf8').trim();
      assert.notEqual(fresh, token);
      assert.equal((await fetch(`${rotated.url}/runs`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
      assert.equal((await fetch(`${rotated.url}/runs`, { headers: { authorization: `Bearer ${fresh}` } })).status, 200);
    } finally {
      rotated.child.kill('SIGTERM');
      await exited(rotated.child);
    }
  });

  const models = sampleTeamServer(60);
  it('resumes through the API a CLI run killed mid-way, asking only for the calls that had not finished', async () => {
    const root = sampleWorkspace();
    const child = spawn(process.execPath, [cliJs, 'run', 'add pagination to the users API', '--cwd', root, '--json'], { env: { PATH: process.env.PATH, ...fakeEnv(models()) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').filter((l) => l.includes('"type":"agent.call.finished"')).length >= 2) child.kill('SIGKILL');
    });
    await exited(child as unknown as ChildProcessWithoutNullStreams);
    const runId = (JSON.parse(out.split('\n')[0]!) as { runId: string }).runId;
    const finishedBefore = out.split('\n').filter((l) => l.includes('"type":"agent.call.finished"')).length;
    const s = await serve(models(), {}, root);
    try {
      assert.equal((await s.api('GET', `/runs/${runId}`)).body.status, 'running', 'interrupted: still running in the log');
      const chats = () => models().requests.filter((r) => r.kind === 'chat').length;
      const before = chats();
      const resumed = await s.api('POST', `/runs/${runId}/resume`);
      assert.equal(resumed.status, 202, JSON.stringify(resumed.body));
      const deadline = Date.now() + 90_000;
      let view = (await s.api('GET', `/runs/${runId}`)).body;
      while ((view.active || view.status === 'running') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        view = (await s.api('GET', `/runs/${runId}`)).body;
      }
      assert.equal(view.status, 'completed');
      const events = (await s.api('GET', `/runs/${runId}/events?limit=1000`)).body.events as Array<{ type: string }>;
      const finished = events.filter((e) => e.type === 'agent.call.finished').length;
      assert.equal(chats() - before, finished - finishedBefore, 'only unfinished calls were asked for again');
    } finally {
      await s.server.close();
    }
  });

  it('refuses a non-loopback --host without --allow-remote, and bad flags, with exit 2', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-serve-'));
    const remote = await runCli(['serve', '--host', '0.0.0.0', '--cwd', root]);
    assert.equal(remote.code, 2);
    assert.match(remote.stderr, /--allow-remote/);
    for (const args of [['--port', 'http'], ['--port', '70000'], ['--allowed-origin', 'http://x/path'], ['extra']]) {
      const r = await runCli(['serve', '--cwd', root, ...args]);
      assert.equal(r.code, 2, args.join(' '));
    }
    assert.ok(!fs.existsSync(path.join(root, '.codecompanion', 'api-token')), 'nothing was created');
  });
});
