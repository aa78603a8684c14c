// What the user gives a run besides its objective (attachments, the run a follow-up continues): the
// limits, and a real run through the SDKs against the fake servers that records it and shows it to
// the planner and the coders.
import { strict as assert } from 'node:assert';
import { loadModels } from '../../../src/app/engine';
import { eventSummary } from '../../../src/app/eventText';
import { limitAttachments, MAX_ATTACHED_CHARS, MAX_ATTACHMENT_CHARS, MAX_ATTACHMENTS, renderGiven } from '../../../src/core/agents/runGiven';
import { parseEvent } from '../../../src/core/events';
import { resumeRun, runObjective } from '../../../src/core/orchestrator/orchestrator';
import { projectRun } from '../../../src/core/orchestrator/runState';
import type { ModelCandidate } from '../../../src/core/router/router';
import { InMemoryEventStore } from '../../fakes/inMemoryEventStore';
import { sampleTeam } from '../../fakes/sampleTeam';
import { sampleTeamServer, sampleWorkspace, SECRET } from './helpers';

describe('run given: attachment limits', () => {
  it('cuts one text at the per-attachment cap and says so', () => {
    const { attachments, refused } = limitAttachments([{ path: 'big.ts', text: 'x'.repeat(MAX_ATTACHMENT_CHARS + 10) }]);
    assert.equal(attachments[0]!.text.length, MAX_ATTACHMENT_CHARS);
    assert.equal(attachments[0]!.truncated, true);
    assert.deepEqual(refused, []);
  });

  it('keeps the total under the run cap: the last that fits is cut, the ones after are refused with a reason', () => {
    const each = MAX_ATTACHMENT_CHARS;
    const candidates = Array.from({ length: 4 }, (_, i) => ({ path: `f${i}.ts`, text: 'y'.repeat(each) }));
    const { attachments, refused } = limitAttachments(candidates);
    assert.equal(attachments.reduce((n, a) => n + a.text.length, 0), MAX_ATTACHED_CHARS);
    assert.deepEqual(attachments.map((a) => a.truncated), [false, false, true]);
    assert.deepEqual(refused.map((r) => r.path), ['f3.ts']);
    assert.match(refused[0]!.reason, /fill the 60,000 characters/);
  });

  it('refuses past the count cap and drops exact duplicates (a file attached twice, the same selection twice)', () => {
    const candidates = Array.from({ length: MAX_ATTACHMENTS + 2 }, (_, i) => ({ path: `f${i}.ts`, text: 'a' }));
    const dup = [{ path: 'f0.ts', text: 'a' }, { path: 'f0.ts', lines: { start: 1, end: 2 }, text: 'a' }, { path: 'f0.ts', lines: { start: 1, end: 2 }, text: 'a' }];
    const { attachments, refused } = limitAttachments([...dup, ...candidates]);
    assert.equal(attachments.length, MAX_ATTACHMENTS);
    assert.deepEqual(attachments.slice(0, 2).map((a) => a.lines?.start ?? 0), [0, 1]);
    assert.equal(refused.length, candidates.length - (MAX_ATTACHMENTS - 1));
    assert.match(refused[0]!.reason, /at most 8 attachments/);
  });

  it('renders nothing for nothing, and never a run id for a follow-up (prompts must replay)', () => {
    assert.equal(renderGiven(undefined), '');
    assert.equal(renderGiven({ attachments: [] }), '');
    const text = renderGiven({ attachments: [{ path: 'a.ts', lines: { start: 3, end: 4 }, text: 'const a = 1;', truncated: false }], followUp: { runId: 'run-20261130-aaaaaa', objective: 'add pagination', outcome: 'applied to src/users.js' } });
    assert.doesNotMatch(text, /run-20261130/);
    assert.match(text, /Earlier objective: add pagination\nWhat came of it: applied to src\/users\.js/);
    assert.match(text, /--- a\.ts:3-4 \(selected lines\)\nconst a = 1;/);
  });
});

describe('run given: a real run', function () {
  this.timeout(60_000);
  const server = sampleTeamServer();
  const team: ModelCandidate[] = [
    { provider: 'anthropic', model: 'claude-sonnet-4-6', roles: ['planner', 'coder', 'tester'] },
    { provider: 'openai', model: 'gpt-5-mini', roles: ['reviewer'] },
  ];
  const deps = (store: InMemoryEventStore, root: string) => {
    const s = server();
    const config = { providers: { anthropic: { apiKey: SECRET, baseUrl: s.urls.anthropic }, openai: { apiKey: SECRET, baseUrl: s.urls.openai } } };
    const models = loadModels({ config, candidates: team, noProviderHint: 'none' });
    return { store, workspaceRoot: root, models: models.models, candidates: models.candidates, prices: models.prices };
  };
  const given = {
    attachments: [{ path: 'src/users.js', lines: { start: 1, end: 3 }, text: 'MARKER_SELECTION_7f3 // the selected lines', truncated: false }],
    followUp: { runId: 'run-earlier', objective: 'add pagination to the users API', outcome: 'applied: paginate-users (src/users.js)' },
  };

  it('records what it was given in run.started, and the planner and every coder see it', async () => {
    const store = new InMemoryEventStore();
    const state = await runObjective(deps(store, sampleWorkspace()), { objective: 'also handle\npage size 0', options: { explore: false }, given }, new AbortController().signal);
    assert.equal(state.status, 'completed', state.error?.message);
    const events = (await store.readRun(state.runId)).map(parseEvent);
    const started = events[0]!;
    assert.equal(started.type, 'run.started');
    assert.deepEqual(started.type === 'run.started' && started.data.given, given);
    assert.deepEqual(projectRun(state.runId, events).given, given);
    assert.match(eventSummary(started), /also handle page size 0 · attached src\/users\.js:1-3 \(42 chars\); follows up run-earlier/);

    const planner = server().requests.filter((q) => q.system.includes('Role: planner'));
    const coders = server().requests.filter((q) => q.system.includes('Role: coder'));
    assert.equal(planner.length, 1);
    assert.ok(coders.length >= 1);
    for (const q of [...planner, ...coders]) {
      assert.match(q.prompt, /MARKER_SELECTION_7f3/);
      assert.match(q.prompt, /Earlier objective: add pagination to the users API/);
    }
  });

  it('a resumed run still gives its prompts what was attached (it is read back from run.started)', async () => {
    const store = new InMemoryEventStore();
    const root = sampleWorkspace();
    const abort = new AbortController();
    // stopped right after it started, before any call: the resumed run plans from its log alone
    const first = runObjective({ ...deps(store, root), onEvent: (e) => e.type === 'run.started' && abort.abort(new Error('stop')) }, { objective: 'also handle page size 0', options: { explore: false }, given }, abort.signal);
    const stopped = await first;
    assert.equal(stopped.status, 'cancelled');
    server().reset();
    server().respond(sampleTeam);
    // a cancelled run is final: reopen it as a crashed one would be, without its terminal event
    const events = (await store.readRun(stopped.runId)).filter((e) => e.type !== 'run.cancelled');
    const crashed = new InMemoryEventStore();
    await crashed.append(stopped.runId, events.map((e) => ({ type: e.type, data: e.data, ts: e.ts })));
    const resumed = await resumeRun(deps(crashed, root), stopped.runId, new AbortController().signal);
    assert.equal(resumed.status, 'completed', resumed.error?.message);
    const planner = server().requests.filter((q) => q.system.includes('Role: planner'));
    assert.equal(planner.length, 1);
    assert.match(planner[0]!.prompt, /MARKER_SELECTION_7f3/);
  });
});
