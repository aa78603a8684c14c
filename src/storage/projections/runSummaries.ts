// One row per run: what the run list shows (objective, status, cost, last change), so listing runs
// or offering to resume one reads these rows and no event.
import { evolve, initialRunState, type RunState } from '../../core/orchestrator/runState';
import type { RecordedEvent } from '../../core/events';
import { forReview } from '../../core/orchestrator/runState';
import type { Projection, ProjectionFold } from '../projection';

export interface RunSummaryRow {
  readonly run_id: string;
  readonly objective: string;
  readonly status: string;
  readonly cost_usd: number;
  readonly created_at: number;
  readonly updated_at: number;
  readonly event_count: number;
  readonly last_type: string;
  /** Patches that passed review (accepted or applied): what the run list offers to review. */
  readonly for_review: number;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

interface Fold {
  state: RunState;
  createdAt: number;
  updatedAt: number;
  lastType: string;
}

export const runSummaries: Projection = {
  name: 'run_summaries',
  version: 2,
  tables: ['run_summaries'],
  ddl: `CREATE TABLE run_summaries (
          run_id TEXT PRIMARY KEY,
          objective TEXT NOT NULL,
          status TEXT NOT NULL,
          cost_usd REAL NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          event_count INTEGER NOT NULL,
          last_type TEXT NOT NULL,
          for_review INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX run_summaries_updated ON run_summaries (updated_at);`,
  fold(): ProjectionFold {
    const runs = new Map<string, Fold>();
    const touched = new Set<string>();
    const step = (e: RecordedEvent) => {
      const f = runs.get(e.runId) ?? { state: initialRunState(e.runId), createdAt: e.ts, updatedAt: e.ts, lastType: e.type };
      f.state = evolve(f.state, e);
      f.updatedAt = e.ts;
      f.lastType = e.type;
      runs.set(e.runId, f);
    };
    return {
      prime(runId, events) {
        for (const e of events) if (e.runId === runId) step(e);
      },
      knows: (runId) => runs.has(runId),
      apply(e) {
        step(e);
        touched.add(e.runId);
      },
      changes() {
        const out = [...touched].map((runId) => {
          const f = runs.get(runId)!;
          const s = f.state;
          // A finished run's fold is dropped: a later revision re-reads that run's events once.
          if (TERMINAL.has(s.status)) runs.delete(runId);
          return {
            sql: 'INSERT OR REPLACE INTO run_summaries (run_id, objective, status, cost_usd, created_at, updated_at, event_count, last_type, for_review) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
            params: [runId, s.objective, s.status, s.cost.spentUsd, f.createdAt, f.updatedAt, s.lastSeq, f.lastType, forReview(s)],
          };
        });
        touched.clear();
        return out;
      },
    };
  },
};
