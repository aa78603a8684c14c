// Measured performance per (model, role), and per (model, role, task complexity), across every run: the router's memory, kept as totals so a
// run start reads a few rows instead of folding every event ever written.
import type { Complexity } from '../../core/artifacts/schemas';
import type { RecordedEvent, Role } from '../../core/events';
import { PerformanceStore, type ModelStats } from '../../core/performance/performanceStore';
import type { ProviderId } from '../../core/ports/model';
import type { SqlStatement } from '../database';
import type { Projection, ProjectionFold, ReadSql } from '../projection';

interface StatsRow {
  provider: string;
  model: string;
  role: string;
  complexity: string;
  calls: number;
  failures: number;
  quality_sum: number;
  quality_n: number;
  priced_calls: number;
  cost_usd: number;
  latency_ms: number;
}

const TERMINAL = new Set(['run.completed', 'run.failed', 'run.cancelled']);
/** The types PerformanceStore.observe() counts or learns from: any other needs nothing of the run's past. */
const OBSERVED = new Set(['plan.proposed', 'agent.call.started', 'agent.call.finished', 'agent.call.failed', 'patch.proposed', 'task.routed', 'review.verdict', 'validation.verdict', 'patch.validated', 'consensus.reached']);

export function readModelStats(read: ReadSql): ModelStats[] {
  return read<StatsRow>('SELECT provider, model, role, complexity, calls, failures, quality_sum, quality_n, priced_calls, cost_usd, latency_ms FROM model_performance ORDER BY provider, model, role, complexity').map((r) => ({
    provider: r.provider as ProviderId,
    model: r.model,
    role: r.role as Role,
    ...(r.complexity ? { complexity: r.complexity as Complexity } : {}),
    calls: r.calls,
    failures: r.failures,
    qualitySum: r.quality_sum,
    qualityN: r.quality_n,
    pricedCalls: r.priced_calls,
    costUsd: r.cost_usd,
    latencyMs: r.latency_ms,
  }));
}

export const modelPerformance: Projection = {
  name: 'model_performance',
  version: 2,
  tables: ['model_performance'],
  ddl: `CREATE TABLE model_performance (
          provider TEXT NOT NULL,
          model TEXT NOT NULL,
          role TEXT NOT NULL,
          complexity TEXT NOT NULL DEFAULT '',
          calls INTEGER NOT NULL,
          failures INTEGER NOT NULL,
          quality_sum REAL NOT NULL,
          quality_n INTEGER NOT NULL,
          priced_calls INTEGER NOT NULL,
          cost_usd REAL NOT NULL,
          latency_ms REAL NOT NULL,
          PRIMARY KEY (provider, model, role, complexity)
        );`,
  fold(read): ProjectionFold {
    // Totals continue from the table; the same additions in the same order as a rebuild from the log.
    const store = PerformanceStore.fromStats(readModelStats(read));
    const changed = new Map<string, ModelStats>();
    store.onChange = (s) => changed.set(`${s.provider}/${s.model}/${s.role}@${s.complexity ?? ''}`, s);
    const live = new Set<string>();
    return {
      prime(runId, events: readonly RecordedEvent[]) {
        for (const e of events) if (e.runId === runId) store.observeContext(runId, e);
        live.add(runId);
      },
      // a user's decision on a finished run (review.*, patch.applied) reads none of its events
      knows: (runId, type) => live.has(runId) || !OBSERVED.has(type),
      apply(e) {
        // seq 1: the run has no past, so its fold is whole from here (a rebuild never reads it again)
        if (OBSERVED.has(e.type) || e.seq === 1) live.add(e.runId);
        store.observe(e.runId, e);
        if (TERMINAL.has(e.type)) {
          store.forgetRun(e.runId);
          live.delete(e.runId);
        }
      },
      changes() {
        const out: SqlStatement[] = [...changed.values()].map((s) => ({
          sql: 'INSERT OR REPLACE INTO model_performance (provider, model, role, complexity, calls, failures, quality_sum, quality_n, priced_calls, cost_usd, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          params: [s.provider, s.model, s.role, s.complexity ?? '', s.calls, s.failures, s.qualitySum, s.qualityN, s.pricedCalls, s.costUsd, s.latencyMs],
        }));
        changed.clear();
        return out;
      },
    };
  },
};
