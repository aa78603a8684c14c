// Property-based fuzzing of event parsing (parseEvent: the schema and the upcast of stored events):
// random JSON under every known and unknown type, and one-field mutations of real events from a run.
// Each input parses to an event that survives a JSON round trip and folds without throwing, or is
// refused with an EventParseError: never an untyped error.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { EventParseError, parseEvent, RUN_EVENT_TYPES, type RecordedEvent } from '../../../src/core/events';
import { runObjective } from '../../../src/core/orchestrator/orchestrator';
import { evolve, initialRunState, projectRun } from '../../../src/core/orchestrator/runState';
import type { ModelClient, ProviderId } from '../../../src/core/ports/model';
import type { StoredEvent } from '../../../src/core/ports/eventStore';
import { InMemoryEventStore } from '../../fakes/inMemoryEventStore';
import { FUZZ_SEED, fuzzRuns, recordFuzzInputs } from './budget';
import { mutated } from './mutate';

/** Parses, or throws only EventParseError; a parsed event is stable under a JSON round trip. */
function parseOrRefuse(stored: StoredEvent): RecordedEvent | undefined {
  let e: RecordedEvent;
  try {
    e = parseEvent(stored);
  } catch (err) {
    assert.ok(err instanceof EventParseError, `untyped error: ${String(err)}`);
    assert.ok(err.message.length < 4000, 'a bounded message');
    return undefined;
  }
  const again = parseEvent({ ...stored, data: JSON.parse(JSON.stringify(e.data)) as unknown });
  assert.deepEqual(again, e);
  return e;
}

/** A real run's events, every type a run writes: the corpus the mutations start from. */
async function corpus(): Promise<StoredEvent[]> {
  const store = new InMemoryEventStore();
  const team = (provider: ProviderId): ModelClient => ({
    provider,
    async *stream(request) {
      const system = typeof request.system === 'string' ? request.system : (request.system ?? []).map((b) => b.text).join('\n');
      const body = system.includes('Role: planner')
        ? { objective: 'o', summary: 's', tasks: [{ id: 'a', title: 'a', description: 'create a.txt', kind: 'code', files: ['a.txt'], dependsOn: [] }] }
        : system.includes('Role: reviewer')
          ? { verdict: 'approve', score: 0.8, summary: 'ok', issues: [{ severity: 'minor', file: 'a.txt', line: 1, message: 'fine' }] }
          : { summary: 'create a', edits: [{ kind: 'create', path: 'a.txt', content: 'a\n' }] };
      const text = JSON.stringify(body);
      yield { type: 'text', text, attempt: 1 };
      yield { type: 'done', result: { provider, model: request.model, text, toolCalls: [], stopReason: 'end', usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0.001, attempts: 1 } };
    },
  });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-fuzz-events-'));
  await runObjective(
    { store, workspaceRoot: root, models: team, candidates: [{ provider: 'openai', model: 'm1' }, { provider: 'anthropic', model: 'm2' }], prices: { priceOf: () => ({ input: 1, output: 1 }) } },
    { objective: 'o', options: { budgetUsd: 5, checkCommand: 'node -e ""', apply: true, explore: false } },
    new AbortController().signal,
  );
  return store.readAll();
}

describe('fuzz: event parsing', function () {
  this.timeout(120_000);
  let valid: StoredEvent[] = [];
  before(async () => {
    valid = await corpus();
    assert.ok(new Set(valid.map((e) => e.type)).size >= 12, 'the corpus covers most event types');
    for (const e of valid) assert.ok(parseOrRefuse(e), `${e.type} from a real run parses`);
  });

  it('random JSON under known and unknown types: parsed or refused with EventParseError', () => {
    const runs = fuzzRuns(5000);
    const type = fc.oneof(fc.constantFrom(...RUN_EVENT_TYPES), fc.string({ maxLength: 30 }));
    fc.assert(
      fc.property(type, fc.jsonValue({ maxDepth: 4 }), fc.string({ maxLength: 20 }), fc.integer(), (t, data, runId, seq) => {
        parseOrRefuse({ runId, seq, globalSeq: seq, ts: 0, type: t, data });
      }),
      { numRuns: runs, seed: FUZZ_SEED },
    );
    recordFuzzInputs('events', runs);
  });

  it('one field of a real event changed or removed: parsed and folded, or refused', () => {
    const runs = fuzzRuns(5000);
    const event = fc.nat().chain((i) => {
      const e = valid[i % valid.length]!;
      return fc.tuple(fc.constant(i % valid.length), mutated(e.data));
    });
    fc.assert(
      fc.property(event, ([i, data]) => {
        const original = valid[i]!;
        const e = parseOrRefuse({ ...original, data });
        if (!e) return;
        // the run up to this event, with the mutated one in its place, still folds
        const before = valid.slice(0, i).filter((x) => x.runId === original.runId).map((x) => parseEvent(x));
        const state = projectRun(original.runId, before);
        evolve(state, e);
        evolve(initialRunState(original.runId), e);
      }),
      { numRuns: runs, seed: FUZZ_SEED },
    );
    recordFuzzInputs('events', runs);
  });
});
