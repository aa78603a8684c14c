// Property-based fuzzing of the host <-> webview protocol, both directions: any value (as postMessage
// could deliver it) and one-field mutations of every valid message. Parsing never throws; it returns
// a message that parses again to itself, or a short error.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseHostMessage, parseWebviewMessage, type HostMessage, type ParseResult, type WebviewMessage } from '../../../src/protocol/messages';
import { FUZZ_SEED, fuzzRuns, recordFuzzInputs } from './budget';
import { mutated } from './mutate';

const agent = { callId: 'plan.a1', taskId: 'plan', role: 'planner', provider: 'openai', model: 'gpt-5', status: 'valid', streamTail: '{"tasks"', outcome: 'SpecDoc', costUsd: 0.01, tokens: 120, durationMs: 900, startedAt: 1 };
const current = {
  runId: 'run-1', objective: 'o', status: 'running', spentUsd: 0.1, reservedUsd: 0.02, budgetUsd: 1, error: null, agents: [agent],
  quality: [{ patchId: 'a.r1', taskTitle: 'a', status: 'accepted', reviews: [{ model: 'm', verdict: 'approve', score: 0.9 }], decision: 'accept', pendingHunks: 2 }],
  perf: [{ provider: 'anthropic', model: 'm', calls: 3, valid: 3, failed: 0, avgMs: 100, costUsd: 0.1, avgScore: 0.8 }],
  costSeries: [{ t: 1, usd: 0.1 }], tokensByRole: [{ role: 'coder', input: 10, output: 5 }],
};
const HOST: HostMessage[] = [
  { type: 'dashboard/state', state: { runs: [{ runId: 'run-1', objective: 'o', status: 'completed', costUsd: 0.2, updatedAt: 5, eventCount: 40 }], current, keys: [{ provider: 'gemini', hasKey: true }], trusted: true, running: false, review: { runId: 'run-1', pending: 1, accepted: 2, rejected: 0, conflict: 0 }, canRollback: true } } as HostMessage,
  { type: 'panel/init', runId: 'run-1', objective: 'o', status: 'running', total: 10, artifacts: [{ artifactId: 'plan.a1.out', kind: 'SpecDoc', taskId: 'plan', title: 't', json: '{}' }], patches: [{ patchId: 'a.r1', taskId: 'a', model: 'm', status: 'accepted', files: ['a.txt'], summary: 's' }] },
  { type: 'panel/update', status: 'completed', artifacts: [], patches: [] },
  { type: 'panel/events', rows: [{ seq: 1, ts: 2, type: 'run.started', summary: 'started' }], reset: true },
  { type: 'panel/eventDetail', seq: 3, json: '{"a":1}' },
];
const WEBVIEW: WebviewMessage[] = [
  { type: 'ready', view: 'dashboard' },
  { type: 'command', command: 'acceptPatch', runId: 'run-1', patchId: 'a.r1' },
  { type: 'selectRun', runId: 'run-1' },
  { type: 'panel/eventDetail', seq: 4 },
  { type: 'panel/rendered', rows: 30, ms: 12.5 },
];

function check<T>(parse: (raw: unknown) => ParseResult<T>, raw: unknown): boolean {
  const r = parse(raw);
  if (r.ok) {
    const again = parse(JSON.parse(JSON.stringify(r.message)));
    assert.ok(again.ok, 'a parsed message survives postMessage (JSON) and parses again');
    assert.deepEqual(again.message, r.message);
  } else {
    assert.ok(r.error.length > 0 && r.error.length < 2000, `a short error, got ${r.error.length} chars`);
  }
  return r.ok;
}

describe('fuzz: webview protocol', function () {
  this.timeout(120_000);

  it('every valid message parses, both directions', () => {
    for (const m of HOST) assert.ok(check(parseHostMessage, m), m.type);
    for (const m of WEBVIEW) assert.ok(check(parseWebviewMessage, m), m.type);
  });

  it('any value from the other side: parsed or a short error, never a throw', () => {
    const runs = fuzzRuns(4000);
    const value = fc.oneof(fc.anything({ withTypedArray: true, withMap: true, withSet: true, withDate: true, withBigInt: true, withNullPrototype: true, withSparseArray: true }), fc.record({ type: fc.constantFrom(...HOST.map((m) => m.type), ...WEBVIEW.map((m) => m.type)) }, { requiredKeys: [] }).chain((o) => fc.dictionary(fc.string(), fc.anything()).map((d) => ({ ...d, ...o }))));
    fc.assert(
      fc.property(value, (raw) => {
        check(parseHostMessage, raw);
        check(parseWebviewMessage, raw);
      }),
      { numRuns: runs, seed: FUZZ_SEED },
    );
    recordFuzzInputs('protocol', 2 * runs);
  });

  it('one field of a valid message changed or removed: parsed or a short error', () => {
    const runs = fuzzRuns(3000);
    fc.assert(
      fc.property(fc.nat().chain((i) => mutated(HOST[i % HOST.length])), fc.nat().chain((i) => mutated(WEBVIEW[i % WEBVIEW.length])), (host, webview) => {
        check(parseHostMessage, host);
        check(parseWebviewMessage, webview);
      }),
      { numRuns: runs, seed: FUZZ_SEED },
    );
    recordFuzzInputs('protocol', 2 * runs);
  });
});
