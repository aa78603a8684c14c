// A run killed with SIGKILL at random points resumes from its events: every call that had finished
// is answered from the log (not paid for again), and the run ends as if never interrupted.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { projectRun } from '../../../src/core/orchestrator/runState';
import { runCli } from '../../helpers/cliRunner';
import { fakeEnv, jsonLines, ofType, sampleTeamServer, sampleWorkspace } from './helpers';

describe('orchestrator: crash and resume', function () {
  this.timeout(120_000);
  const server = sampleTeamServer(80);
  let cliJs: string;
  before(async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-cli-bundle-'));
    cliJs = path.join(out, 'cli.js');
    await esbuild.build({ entryPoints: [path.resolve(__dirname, '../../../src/cli/main.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: cliJs, logLevel: 'silent' });
    fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(out, 'sql-wasm.wasm'));
  });

  for (const killAfter of [1, 3, 6]) {
    it(`resumes a run killed after ${killAfter} finished call(s) without paying for them again`, async () => {
      const root = sampleWorkspace();
      const args = [cliJs, 'run', 'add pagination to the users API', '--cwd', root, '--check', 'node --test', '--apply', '--json'];
      const child = spawn(process.execPath, args, { env: { ...process.env, ...fakeEnv(server()) }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const killed = new Promise<void>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const finished = out.split('\n').filter((l) => l.includes('"type":"agent.call.finished"')).length;
          if (finished >= killAfter && !child.killed) child.kill('SIGKILL');
        });
        child.on('exit', () => resolve());
      });
      await killed;
      const acked = jsonLines(out.slice(0, out.lastIndexOf('\n') + 1));
      const runId = acked[0]!.runId;
      const finishedBefore = new Set(ofType(acked, 'agent.call.finished').map((e) => e.data.callId));
      assert.ok(finishedBefore.size >= killAfter);
      const chatRequests = () => server().requests.filter((r) => r.kind === 'chat').length; // the run memory also embeds
      const requestsBefore = chatRequests();

      const resumed = await runCli(['resume', runId, '--cwd', root, '--json'], { env: fakeEnv(server()) });
      assert.equal(resumed.code, 0, resumed.stderr);
      const all = jsonLines((await runCli(['events', runId, '--cwd', root, '--json'])).stdout);
      // every acknowledged event is in the store, unchanged
      for (const e of acked) assert.deepEqual(all[e.seq - 1]!.data, e.data);
      const state = projectRun(runId, all);
      assert.equal(state.status, 'completed');
      const finished = ofType(all, 'agent.call.finished');
      const perCall = new Map<string, number>();
      for (const e of finished) perCall.set(e.data.callId, (perCall.get(e.data.callId) ?? 0) + 1);
      for (const [callId, n] of perCall) assert.equal(n, 1, `${callId} finished ${n} times`);
      const newCalls = [...perCall.keys()].filter((id) => !finishedBefore.has(id)).length;
      assert.equal(chatRequests() - requestsBefore, newCalls, 'the resumed run asked only for calls that had not finished');
      assert.equal(Object.values(state.patches).filter((p) => p.status === 'applied').length, 3);
      assert.match(execFileSync(process.execPath, ['--test'], { cwd: root, encoding: 'utf8' }), /# pass 4/);
    });
  }
});
