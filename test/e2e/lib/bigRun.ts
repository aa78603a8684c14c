// A recorded run of 10,000 events in a workspace's database, written before code-server starts,
// for the run panel's render time: one planner call streaming its output in many small pieces.
import { openStore } from '../../../src/app/engine';
import type { NewEvent } from '../../../src/core/ports/eventStore';

export const BIG_RUN_OBJECTIVE = 'e2e: a run with 10000 events';

export async function seedBigRun(root: string, total = 10_000): Promise<string> {
  const runId = 'run-e2e-10k';
  const opened = await openStore(root, 'write', 'e2e seed');
  try {
    const t0 = Date.now() - total * 10;
    const options = { budgetUsd: 1, dailyBudgetUsd: null, allowUnpriced: false, consensus: 'majority', reviewersPerPatch: 1, maxRounds: 2, explore: false, seed: 1, checkCommand: null, checkTimeoutMs: 120_000, apply: false };
    const events: NewEvent[] = [
      { type: 'run.started', data: { v: 1, objective: BIG_RUN_OBJECTIVE, options }, ts: t0 },
      { type: 'agent.call.started', data: { callId: 'c1', taskId: 'plan', role: 'planner', provider: 'anthropic', model: 'claude-haiku-4-5', round: 1, attempt: 1, promptTokens: 1200 }, ts: t0 + 1 },
    ];
    for (let i = events.length; i < total; i++) events.push({ type: 'agent.call.streamed', data: { callId: 'c1', text: `chunk ${i} `, chars: 8 }, ts: t0 + i * 10 });
    for (let i = 0; i < events.length; i += 1_000) await opened.store.append(runId, events.slice(i, i + 1_000), { expectedSeq: i });
    return runId;
  } finally {
    await opened.close();
  }
}
