// A run stopped mid-way (its process killed, as when a window closes or crashes) is finished by
// Resume Interrupted Run: from its events, asking the models only for the calls that had not
// finished, and its patches go to review as after any run.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { cliEventLines, reviewState, root, SAMPLE_OBJECTIVE } from './support/workbench';

const control = (pathAndQuery: string) => fetch(`${process.env.CC_E2E_FAKE_CONTROL}${pathAndQuery}`);
const chatRequests = async () => ((await (await control('/requests')).json()) as { kind: string }[]).filter((r) => r.kind === 'chat').length;

interface Line {
  readonly runId: string;
  readonly type: string;
  readonly data: { callId?: string };
}

/** Starts the CLI on the workspace and kills it with SIGKILL once `finishedCalls` calls finished. */
async function killedRun(finishedCalls: number): Promise<{ runId: string; finished: Set<string> }> {
  const cli = process.env.CC_E2E_CLI;
  assert.ok(cli, 'the harness passes the CLI path in CC_E2E_CLI');
  const child = spawn(process.execPath, [cli, 'run', SAMPLE_OBJECTIVE, '--cwd', root(), '--json'], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  let buf = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const l of parts) lines.push(JSON.parse(l) as Line);
      if (lines.filter((l) => l.type === 'agent.call.finished').length >= finishedCalls && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`the CLI run ended (${code}) before it could be killed: ${stderr.slice(-300)}`))));
  });
  return { runId: lines[0]!.runId, finished: new Set(lines.filter((l) => l.type === 'agent.call.finished').map((l) => l.data.callId!)) };
}

describe('resume an interrupted run', function () {
  this.timeout(120_000);

  it('finishes a run killed mid-way without asking again for the calls that had finished', async () => {
    await control('/pace?ms=400'); // long enough to stop it mid-way
    let killed: Awaited<ReturnType<typeof killedRun>>;
    try {
      killed = await killedRun(2);
    } finally {
      await control('/pace?ms=0');
    }
    const before = await chatRequests();
    const result = await vscode.commands.executeCommand<{ runId: string; status: string }>('codecompanion.resumeRun', { runId: killed.runId });
    assert.deepEqual(result, { runId: killed.runId, status: 'completed' });
    const asked = (await chatRequests()) - before;

    // every call of the run finished exactly once, and the resumed part asked only for the others
    const events = (await cliEventLines(killed.runId)).map((l) => JSON.parse(l) as Line);
    const finished = events.filter((e) => e.type === 'agent.call.finished').map((e) => e.data.callId!);
    assert.equal(new Set(finished).size, finished.length, 'a call finished twice');
    const newCalls = finished.filter((id) => !killed.finished.has(id)).length;
    assert.ok(killed.finished.size >= 2 && newCalls > 0);
    assert.equal(asked, newCalls, 'the resumed run asked only for the calls that had not finished');
    console.log(`[cc-e2e] resume: ${killed.finished.size} call(s) done before the kill, ${newCalls} after`);

    const review = await reviewState();
    assert.equal(review?.runId, killed.runId, 'the resumed run is up for review');
    assert.ok((review?.counts.pending ?? 0) > 0);
  });
});
