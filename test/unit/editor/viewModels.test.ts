import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LiveRun, perfRows } from '../../../src/app/dashboard/liveRun';
import { candidatesFrom, invalidSettings, presetCandidates, providerConfigFrom, readSettings, runOptionsFrom, SETTING_KEYS } from '../../../src/app/editorSettings';
import { ENV_KEYS } from '../../../src/providers/config';
import { PricingTable } from '../../../src/providers/pricing';
import { extractJson } from '../../../src/app/jsonOnly';
import { event, type RecordedEvent, type RunEvent } from '../../../src/core/events';
import { DEFAULT_RUN_OPTIONS } from '../../../src/core/orchestrator/orchestrator';
import { CurrentRunSchema, parseWebviewMessage } from '../../../src/protocol/messages';
import { costLine, tokenBars } from '../../../webview/charts';
import { visibleRange } from '../../../webview/virtualList';

function recorded(events: RunEvent[]): RecordedEvent[] {
  return events.map((e, i) => ({ ...e, runId: 'r', seq: i + 1, globalSeq: i + 1, ts: 1000 + i * 1000 }) as RecordedEvent);
}

describe('editor: view models', () => {
  it('the live run keeps each agent stream tail and the cumulative cost, and its view parses', () => {
    const live = LiveRun.from('r', recorded([
      event('run.started', { v: 1, objective: 'o', options: { ...DEFAULT_RUN_OPTIONS, budgetUsd: 1 } }),
      event('agent.call.started', { callId: 'plan', taskId: 'plan', role: 'planner', provider: 'anthropic', model: 'm', round: 1, attempt: 1, promptTokens: 10 }),
      event('agent.call.streamed', { callId: 'plan', text: 'x'.repeat(500), chars: 500 }),
      event('agent.call.streamed', { callId: 'plan', text: 'END', chars: 3 }),
      event('agent.call.finished', { callId: 'plan', taskId: 'plan', provider: 'anthropic', model: 'm', usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0.25, durationMs: 1000, outcome: 'valid' }),
    ]));
    const view = CurrentRunSchema.parse(live.view([]));
    assert.equal(view.agents[0]!.streamTail.length, 400);
    assert.ok(view.agents[0]!.streamTail.endsWith('END'));
    assert.deepEqual(view.costSeries, [{ t: 4, usd: 0.25 }]);
    assert.deepEqual(view.tokensByRole, [{ role: 'planner', input: 10, output: 5 }]);
    assert.equal(view.budgetUsd, 1);
  });

  it('each finished agent shows what came of it in one line: the plan, the patch, the verdict, the failure', () => {
    const call = (callId: string, role: 'planner' | 'coder' | 'reviewer') => event('agent.call.started', { callId, taskId: 't', role, provider: 'openai', model: 'm', round: 1, attempt: 1, promptTokens: 1 });
    const live = LiveRun.from('r', recorded([
      event('run.started', { v: 1, objective: 'o', options: DEFAULT_RUN_OPTIONS }),
      call('plan', 'planner'),
      event('artifact.produced', { kind: 'SpecDoc', artifactId: 'plan.out', callId: 'plan', taskId: 'plan', body: { objective: 'o', summary: 's', tasks: [{ id: 'a', title: 'Page the list', description: 'd', kind: 'code', files: ['x.js'], dependsOn: [] }, { id: 'b', title: 'Document it', description: 'd', kind: 'code', files: ['README.md'], dependsOn: [] }] } }),
      call('a.r1.coder', 'coder'),
      event('artifact.produced', { kind: 'CodePatch', artifactId: 'a.r1.coder.out', callId: 'a.r1.coder', taskId: 'a', body: { summary: 'Add listUsersPage', edits: [{ kind: 'create', path: 'x.js', content: '1' }, { kind: 'create', path: 'y.js', content: '2' }] } }),
      call('a.r1.review1', 'reviewer'),
      event('artifact.produced', { kind: 'ReviewReport', artifactId: 'a.r1.review1.out', callId: 'a.r1.review1', taskId: 'a', body: { verdict: 'reject', score: 0.35, summary: 'Breaks callers', issues: [] } }),
      call('b.r1.coder', 'coder'),
      event('agent.call.failed', { callId: 'b.r1.coder', taskId: 'b', provider: 'openai', model: 'm', kind: 'rate_limit', message: 'openai rate limit (429)', costUsd: null, durationMs: 5 }),
      call('b.r1.review1', 'reviewer'),
    ]));
    const rows = new Map(CurrentRunSchema.parse(live.view([])).agents.map((a) => [a.callId, a.outcome]));
    assert.equal(rows.get('plan'), 'plan: 2 task(s): Page the list; Document it');
    assert.equal(rows.get('a.r1.coder'), 'Add listUsersPage (x.js, y.js)');
    assert.equal(rows.get('a.r1.review1'), 'reject 0.35: Breaks callers');
    assert.equal(rows.get('b.r1.coder'), 'failed: openai rate limit (429)');
    assert.equal(rows.get('b.r1.review1'), undefined, 'a running call has no outcome yet');
  });

  it('perf rows are the stats projection, one per model and role', () => {
    const rows = perfRows([
      { provider: 'openai', model: 'g', role: 'coder', calls: 2, failed: 1, failures: { server: 1 }, meanMs: 1500, p50Ms: 1000, p95Ms: 2000, costUsd: 0.1, unpricedCalls: 0, reviewScore: 0.75, reviews: 2, hunkAcceptance: null, hunksDecided: 0, routed: 1, routerShare: 0.5 },
      { provider: 'openai', model: 'g', role: 'reviewer', calls: 2, failed: 0, failures: {}, meanMs: 500, p50Ms: 500, p95Ms: 500, costUsd: 0.1, unpricedCalls: 0, reviewScore: null, reviews: 0, hunkAcceptance: null, hunksDecided: 0, routed: 2, routerShare: 1 },
    ]);
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0], { provider: 'openai', model: 'g', role: 'coder', calls: 2, valid: 1, failed: 1, avgMs: 1500, p50Ms: 1000, p95Ms: 2000, costUsd: 0.1, avgScore: 0.75, routerShare: 0.5 });
    assert.equal(rows[1]!.avgScore, null);
  });

  it('the virtual list draws only the rows in view, whatever the total', () => {
    assert.deepEqual(visibleRange(0, 600, 22, 10_000), { start: 0, end: 38 });
    assert.deepEqual(visibleRange(22 * 5000, 600, 22, 10_000), { start: 4990, end: 5038 });
    assert.deepEqual(visibleRange(22 * 9990, 600, 22, 10_000), { start: 9980, end: 10_000 });
  });

  it('charts scale to their box, with the budget line', () => {
    const chart = costLine([{ t: 5, usd: 0.5 }, { t: 10, usd: 1 }], 100, 50, 2);
    assert.equal(chart.budgetY, 0);
    assert.match(chart.path, /^M0 50 /);
    assert.ok(chart.path.endsWith('L100 25'));
    assert.deepEqual(tokenBars([{ role: 'coder', input: 50, output: 50 }, { role: 'planner', input: 10, output: 0 }], 100).map((b) => b.inputWidth + b.outputWidth), [100, 10]);
  });

  it('a webview message that does not match the protocol is refused', () => {
    assert.equal(parseWebviewMessage({ type: 'command', command: 'rm -rf' }).ok, false);
    assert.equal(parseWebviewMessage({ type: 'selectRun', runId: 'run-1' }).ok, true);
  });
});

describe('editor: settings', () => {
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8'));

  it('every setting the schema reads is declared in package.json with a description', () => {
    const declared = pkg.contributes.configuration.properties as Record<string, { markdownDescription?: string; description?: string }>;
    for (const key of SETTING_KEYS) {
      const entry = declared[`codecompanion.${key}`];
      assert.ok(entry, `codecompanion.${key} is not declared`);
      assert.ok(entry.markdownDescription || entry.description, `codecompanion.${key} has no description`);
    }
  });

  it('an untrusted workspace gets no check command and nothing is applied by the engine', () => {
    const settings = readSettings((k) => ({ checkCommand: 'npm test', autoApply: true, budgetUsd: 2 })[k as 'checkCommand']);
    assert.equal(runOptionsFrom(settings, false).checkCommand, null);
    assert.equal(runOptionsFrom(settings, true).checkCommand, 'npm test');
    assert.equal(runOptionsFrom(settings, true).apply, false);
    assert.equal(runOptionsFrom(settings, true, { budgetUsd: 0.5 }).budgetUsd, 0.5);
  });

  it('price overrides come from settings (winning over CODECOMPANION_PRICING), and a malformed entry is dropped alone', () => {
    const pricing = { openai: { 'my-finetune': { input: 2, output: 8, cacheRead: 0.5 }, broken: { input: 'cheap' } }, gemini: { 'gemini-2.5-flash': { input: 0.1, output: 0.2 } }, azure: { x: { input: 1, output: 1 } } };
    const settings = readSettings((k) => (k === 'pricing' ? pricing : undefined));
    const env = { OPENAI_API_KEY: 'k', CODECOMPANION_PRICING: JSON.stringify({ openai: { 'my-finetune': { input: 99, output: 99 }, 'env-only': { input: 1, output: 1 } } }) };
    const config = providerConfigFrom(settings, {}, env, ENV_KEYS);
    const book = new PricingTable(config.prices);
    assert.deepEqual(book.priceOf('openai', 'my-finetune'), { input: 2, output: 8, cacheRead: 0.5 });
    assert.deepEqual(book.priceOf('openai', 'env-only'), { input: 1, output: 1 });
    assert.equal(book.priceOf('openai', 'broken'), undefined, 'unknown, never $0');
    assert.equal(book.priceOf('gemini', 'gemini-2.5-flash')!.input, 0.1, 'an override replaces the list price');
    assert.equal(book.priceOf('anthropic', 'claude-sonnet-4-6')!.input, 3, 'the list prices stay for the rest');
  });

  it('bad values fall back to defaults instead of breaking a run', () => {
    const settings = readSettings((k) => ({ concurrency: -3, consensus: 'coin-flip', 'models.coder': ['nonsense'] })[k as 'concurrency']);
    assert.equal(settings.concurrency, 4);
    assert.equal(settings.consensus, 'majority');
    assert.deepEqual(candidatesFrom(settings), []);
  });

  it('names each setting whose value was replaced by its default, with why, and no valid one', () => {
    const values: Record<string, unknown> = {
      concurrency: -3, consensus: 'coin-flip', 'models.coder': ['nonsense'], maxRounds: 3, checkCommand: 'npm test',
      'providers.openai.baseUrl': 42, pricing: { openai: { good: { input: 1, output: 2 }, bad: { input: 'cheap' } }, acme: {} },
    };
    const invalid = invalidSettings((k) => values[k]);
    assert.deepEqual(invalid.map((i) => i.key), [
      'codecompanion.models.coder', 'codecompanion.concurrency', 'codecompanion.consensus', 'codecompanion.pricing', 'codecompanion.pricing', 'codecompanion.providers.openai.baseUrl',
    ]);
    assert.match(invalid[0]!.reason, /PROVIDER:MODEL/);
    assert.match(invalid[1]!.reason, />=\s*1|too small/i);
    assert.match(invalid[3]!.reason, /openai\/bad/);
    assert.match(invalid[4]!.reason, /unknown provider "acme"/);
    assert.deepEqual(invalidSettings((k) => ({ concurrency: 8, maxRounds: 3 } as Record<string, unknown>)[k]), []);
  });

  it('per-role models become candidates limited to their roles', () => {
    const settings = readSettings((k) => ({ 'models.coder': ['openai:gpt-5'], 'models.reviewer': ['anthropic:claude-sonnet-4-6'] })[k as 'models.coder']);
    const c = candidatesFrom(settings);
    assert.ok(c.find((x) => x.model === 'gpt-5')!.roles!.includes('coder'));
    assert.ok(!c.find((x) => x.model === 'gpt-5')!.roles!.includes('reviewer'));
    assert.ok(c.find((x) => x.model === 'gpt-5')!.roles!.includes('planner'), 'an unnamed role may use any listed model');
  });

  it('presets keep the cheaper or dearer half, never fewer than two', () => {
    const prices = { priceOf: (_p: string, m: string) => ({ a: { input: 1, output: 1 }, b: { input: 2, output: 2 }, c: { input: 3, output: 3 }, d: { input: 4, output: 4 } })[m] };
    const all = ['a', 'b', 'c', 'd'].map((model) => ({ provider: 'openai' as const, model }));
    assert.deepEqual(presetCandidates(all, prices, 'economy').map((c) => c.model), ['a', 'b']);
    assert.deepEqual(presetCandidates(all, prices, 'quality').map((c) => c.model), ['d', 'c']);
  });

  it('finds JSON in a chat answer', () => {
    assert.equal(extractJson('Sure:\n```json\n{"a":1}\n```'), '{"a":1}');
    assert.equal(extractJson('here {"a": [1]} done'), '{"a": [1]}');
    assert.equal(extractJson('no json'), undefined);
  });
});
