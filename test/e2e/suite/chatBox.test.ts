// The sidebar's objective box, driven through the messages its webview sends (parsed as the webview's
// are, by codecompanion.internal.dashboardMessage): a selection attached from the editor reaches the
// planner and the coders and is recorded in run.started; a sensitive file is refused with a line that
// says why and no run starts; a follow-up run is given the first run's objective and outcome; the
// check command found in the workspace is offered once and stored only when accepted.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DashboardState } from '../../../src/protocol/messages';
import { cliEventLines, openDocument, root, SAMPLE_OBJECTIVE } from './support/workbench';

interface Received {
  readonly result: ({ runId: string; status: string } & string[]) | undefined;
  readonly state: DashboardState;
}

const box = (message: unknown) => vscode.commands.executeCommand<Received>('codecompanion.internal.dashboardMessage', message);

async function askedWith(text: string): Promise<{ role: string | null; grep: boolean }[]> {
  const res = await fetch(`${process.env.CC_E2E_FAKE_CONTROL}/requests?grep=${encodeURIComponent(text)}`);
  return (await res.json()) as { role: string | null; grep: boolean }[];
}

async function runStarted(runId: string): Promise<{ objective: string; given?: { attachments: { path: string; lines?: { start: number; end: number }; text: string }[]; followUp?: { runId: string; objective: string; outcome: string } } }> {
  const first = (await cliEventLines(runId)).map((l) => JSON.parse(l) as { type: string; data: never }).find((e) => e.type === 'run.started');
  assert.ok(first, `run ${runId} has no run.started`);
  return first.data;
}

describe('the chat box', function () {
  this.timeout(240_000);

  it('runs the typed objective with the editor selection attached: the planner and coders are given it, run.started records it', async () => {
    await box({ type: 'chat/runSettings', budget: 1, preset: 'balanced' });
    const doc = await openDocument('src/users.js');
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document, doc);
    editor.selection = new vscode.Selection(0, 0, 3, 0);
    const attached = await box({ type: 'chat/attachEditor' });
    assert.deepEqual(attached.state.chat?.attachments.map((a) => [a.label, a.kind]), [['src/users.js:1-3', 'selection']]);
    const selected = doc.getText(editor.selection);

    // a second send while the first is on its way is refused, with a line in the box, and starts nothing
    const [sent, second] = await Promise.all([box({ type: 'chat/send', text: `${SAMPLE_OBJECTIVE}, as in @package.json` }), box({ type: 'chat/send', text: 'a second objective at once' })]);
    assert.equal(second.result, undefined, 'the second send started a run');
    assert.match(second.state.chat?.notice ?? '', /^(Already sending: wait for the run to start\.|A run is going: one run at a time)/);
    assert.equal(sent.result?.status, 'completed');
    assert.deepEqual(sent.state.chat?.attachments, [], 'the draft empties once sent');

    const started = await runStarted(sent.result!.runId);
    assert.equal(started.objective, `${SAMPLE_OBJECTIVE}, as in @package.json`);
    assert.deepEqual(started.given?.attachments.map((a) => [a.path, a.lines?.start, a.lines?.end]), [['src/users.js', 1, 3], ['package.json', undefined, undefined]]);
    assert.equal(started.given?.attachments[0]!.text, selected);
    assert.equal(started.given?.attachments[1]!.text, fs.readFileSync(path.join(root(), 'package.json'), 'utf8'));

    const asked = (await askedWith('--- src/users.js:1-3 (selected lines)')).filter((r) => r.role === 'planner' || r.role === 'coder');
    assert.ok(asked.some((r) => r.role === 'planner' && r.grep), 'the planner was not given the selection');
    assert.ok(asked.some((r) => r.role === 'coder' && r.grep), 'no coder was given the selection');
  });

  it('refuses a sensitive file, mentioned or attached, with a line that says why, and starts no run', async () => {
    fs.writeFileSync(path.join(root(), '.env'), 'TOKEN=do-not-send-4821\n');
    try {
      const before = (await box({ type: 'chat/followUp', runId: null })).state.runs.length;
      const mentioned = await box({ type: 'chat/send', text: 'read the token from @.env' });
      assert.equal(mentioned.result, undefined);
      assert.match(mentioned.state.chat?.notice ?? '', /\.env is a sensitive file \(rule '\.env\*'\)/);
      await openDocument('.env');
      const attached = await box({ type: 'chat/attachEditor' });
      assert.deepEqual(attached.state.chat?.attachments, []);
      assert.match(attached.state.chat?.notice ?? '', /Not attached: \.env is a sensitive file/);
      assert.equal((await box({ type: 'chat/followUp', runId: null })).state.runs.length, before, 'a run started');
      assert.equal((await askedWith('do-not-send-4821')).some((r) => r.grep), false, 'the secret reached a model');
      // @ completion never offers it, nor anything in .git or .codecompanion; it does offer the sources
      assert.deepEqual((await box({ type: 'chat/mentions', requestId: 1, query: 'env' })).result, []);
      assert.deepEqual((await box({ type: 'chat/mentions', requestId: 2, query: 'codecompanion' })).result, []);
      assert.deepEqual((await box({ type: 'chat/mentions', requestId: 3, query: 'users' })).result?.slice(0, 2), ['src/users.js', 'test/users.test.js']);
    } finally {
      fs.rmSync(path.join(root(), '.env'), { force: true });
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('a follow-up run is given the earlier run\'s objective and what came of it', async () => {
    const runs = (await box({ type: 'chat/runSettings', budget: 1, preset: 'balanced' })).state.runs;
    const earlier = runs.find((r) => r.status === 'completed');
    assert.ok(earlier, 'no finished run to follow up');
    // from the palette (or the run panel): Follow Up a Run with the run's id
    await vscode.commands.executeCommand('codecompanion.followUpRun', { runId: earlier.runId });
    assert.deepEqual((await box({ type: 'chat/followUp', runId: null })).state.chat?.followUp, null, 'the follow-up could not be cleared');
    await vscode.commands.executeCommand('codecompanion.followUpRun', { runId: earlier.runId });
    const set = await box({ type: 'chat/runSettings', budget: 1, preset: 'balanced' });
    assert.deepEqual(set.state.chat?.followUp, { runId: earlier.runId, objective: earlier.objective });
    const sent = await box({ type: 'chat/send', text: 'also handle page size 0' });
    assert.equal(sent.result?.status, 'completed');
    assert.equal(sent.state.chat?.followUp, null);
    const started = await runStarted(sent.result!.runId);
    assert.equal(started.given?.followUp?.runId, earlier.runId);
    assert.equal(started.given?.followUp?.objective, earlier.objective);
    assert.match(started.given?.followUp?.outcome ?? '', /^plan: .*(still waiting for review|changes applied to)/);
    const asked = await askedWith(`Earlier objective: ${earlier.objective}`);
    assert.ok(asked.some((r) => r.role === 'planner' && r.grep), 'the planner was not told what the run follows up');
  });

  it('offers the workspace\'s check command once, and stores it in the workspace settings only when accepted', async () => {
    const config = () => vscode.workspace.getConfiguration('codecompanion');
    assert.equal(config().get('checkCommand'), '');
    const offered = await box({ type: 'chat/runSettings', budget: 1, preset: 'balanced' });
    assert.equal(offered.state.chat?.checkSuggestion, 'npm test');
    try {
      const accepted = await box({ type: 'chat/checkSuggestion', accept: true });
      assert.equal(config().inspect('checkCommand')?.workspaceValue, 'npm test');
      assert.equal(accepted.state.chat?.checkSuggestion, null, 'offered again after an answer');
      assert.match(accepted.state.chat?.notice ?? '', /checked with `npm test`/);
    } finally {
      await config().update('checkCommand', undefined, vscode.ConfigurationTarget.Workspace);
    }
    assert.equal((await box({ type: 'chat/detach', id: 'none' })).state.chat?.checkSuggestion, null, 'asked once: not again once set back');
  });
});
