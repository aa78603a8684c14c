// Team mode in the editor, against a real redis-server with a password: the setting names the team's
// Redis (never its password, which goes to SecretStorage); the window publishes its runs; "Follow
// Team Runs" lists a run another machine (the CLI, in a folder of its own) publishes, and follows its
// events live to the end, read-only.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createClient } from 'redis';
import * as vscode from 'vscode';
import { redisAvailable, startRedis, type RedisServer } from '../../helpers/redisServer';
import { eventually, root, SAMPLE_OBJECTIVE } from './support/workbench';

const PASSWORD = 'team-e2e-9f3c1d';

interface TeamState {
  readonly url: string;
  readonly bus: { readonly state: string };
  readonly runs: ReadonlyArray<{ readonly runId: string; readonly host: string; readonly workspace: string; readonly objective: string; readonly status: string }>;
  readonly followed: { readonly runId: string; readonly events: number; readonly ended: boolean } | null;
}

const teamState = async () => (await vscode.commands.executeCommand<TeamState>('codecompanion.internal.teamState'))!;
const config = () => vscode.workspace.getConfiguration('codecompanion');

/** A copy of the sample workspace, as another machine of the team has it. */
function otherMachine(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-e2e-team-'));
  fs.cpSync(root(), dir, { recursive: true, filter: (src) => !/[\\/]\.codecompanion([\\/]|$)|[\\/]\.vscode([\\/]|$)/.test(src.slice(root().length)) });
  return dir;
}

describe('team mode in the editor: publish, and follow team runs', function () {
  this.timeout(240_000);
  let redis: RedisServer | undefined;

  before(async () => {
    if (!redisAvailable()) throw new Error('redis-server is not installed: apt-get install -y redis-server (.ci/run does it)');
    redis = await startRedis({ password: PASSWORD });
  });

  after(async () => {
    await config().update('redis.url', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('codecompanion.setRedisPassword', { password: '' });
    await redis?.stop();
  });

  it('refuses a password in the setting, follows a CLI run from another folder to its end, and publishes the window’s own run', async () => {
    const url = `redis://127.0.0.1:${redis!.port}`;
    // settings are plain text: a URL holding the password is refused, and the password is never echoed
    await config().update('redis.url', `redis://:${PASSWORD}@127.0.0.1:${redis!.port}`, vscode.ConfigurationTarget.Global);
    await assert.rejects(async () => vscode.commands.executeCommand('codecompanion.followTeamRuns', { runId: 'none' }), (e: Error) => /holds a password/.test(e.message) && !e.message.includes(PASSWORD));
    await config().update('redis.url', url, vscode.ConfigurationTarget.Global);
    // no password stored yet: Redis refuses, in one clear line
    await assert.rejects(async () => vscode.commands.executeCommand('codecompanion.followTeamRuns', { runId: 'none' }), (e: Error) => /credentials|NOAUTH|auth/i.test(e.message));
    await vscode.commands.executeCommand('codecompanion.setRedisPassword', { password: PASSWORD });

    // another machine runs the sample objective, publishing to the team's Redis
    const elsewhere = otherMachine();
    const child = spawn(process.execPath, [process.env.CC_E2E_CLI!, 'run', SAMPLE_OBJECTIVE, '--cwd', elsewhere, '--json', '--redis', `redis://:${PASSWORD}@127.0.0.1:${redis!.port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await eventually(() => out.includes('\n'), 60_000, () => `the CLI printed no event: ${err.slice(-400)}`);
    const runId = (JSON.parse(out.split('\n')[0]!) as { runId: string }).runId;

    const first = await vscode.commands.executeCommand<TeamState>('codecompanion.followTeamRuns', { runId });
    assert.equal(first?.followed?.runId, runId);
    assert.equal(await exited, 0, `the CLI run failed: ${err.slice(-400)}`);
    const redisClient = createClient({ url: `redis://:${PASSWORD}@127.0.0.1:${redis!.port}` });
    await redisClient.connect();
    try {
      const published = await redisClient.xLen(`codecompanion:run:${runId}`);
      assert.ok(published > 10, `the CLI published ${published} events`);
      await eventually(async () => (await teamState()).followed?.ended === true, 60_000, () => `the window did not follow ${runId} to its end`);
      const state = await teamState();
      assert.equal(state.followed?.events, published, 'the window saw every published event once');
      const listed = state.runs.find((r) => r.runId === runId);
      assert.equal(listed?.status, 'completed');
      assert.equal(listed?.objective, SAMPLE_OBJECTIVE);
      assert.equal(listed?.workspace, path.basename(elsewhere));
      assert.ok(!JSON.stringify(state).includes(PASSWORD), 'the password never reaches the dashboard');

      // the window's own run is published too (the local log stays the source of truth)
      const mine = await vscode.commands.executeCommand<{ runId: string; status: string }>('codecompanion.runObjective', { objective: SAMPLE_OBJECTIVE, budgetUsd: 1, apply: false });
      assert.equal(mine?.status, 'completed');
      const entries = await redisClient.xRange(`codecompanion:run:${mine!.runId}`, '-', '+');
      assert.equal(entries?.at(-1)?.message.type, 'run.completed', 'the window published its run to the end');
      await eventually(async () => (await teamState()).runs.some((r) => r.runId === mine!.runId && r.status === 'completed'), 30_000, () => 'the team list never showed the window’s own run');
    } finally {
      await redisClient.quit().catch(() => undefined);
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
