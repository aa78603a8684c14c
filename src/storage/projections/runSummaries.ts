// One row per run: what the run list shows (objective, status, cost, last change), so listing runs
// or offering to resume one reads these rows and no event.
import { evolve, initialRunState, type RunState } from '../../core/orchestrator/runState';
import type { RecordedEvent } from '../../core/events';
import { forReview } from '../../core/orchestrator/runState';
import type { Projection, ProjectionFold, ReadSql } from '../projection';

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
  /** Why one of the run's events could not be read (the first such event), or null. */
  readonly damage: string | null;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

interface Fold {
  state: RunState;
  createdAt: number;
  updatedAt: number;
  lastType: string;
  /** The run's last seq, events that did not parse included. */
  eventCount: number;
  damage: string | null;
}

export const runSummaries: Projection = {
  name: 'run_summaries',
  version: 3,
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
          for_review INTEGER NOT NULL DEFAULT 0,
          damage TEXT
        );
        CREATE INDEX run_summaries_updated ON run_summaries (updated_at);`,
  fold(read: ReadSql): ProjectionFold {
    const runs = new Map<string, Fold>();
    const touched = new Set<string>();
    const foldOf = (runId: string, ts: number, type: string): Fold => {
      let f = runs.get(runId);
      if (!f) {
        // a damage noted earlier stays noted when a finished run's fold is read again
        const row = read<{ damage: string | null }>('SELECT damage FROM run_summaries WHERE run_id = ?', [runId])[0];
        f = { state: initialRunState(runId), createdAt: ts, updatedAt: ts, lastType: type, eventCount: 0, damage: row?.damage ?? null };
        runs.set(runId, f);
      }
      return f;
    };
    const step = (e: RecordedEvent) => {
      const f = foldOf(e.runId, e.ts, e.type);
      f.state = evolve(f.state, e);
      f.updatedAt = e.ts;
      f.lastType = e.type;
      f.eventCount = Math.max(f.eventCount, e.seq);
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
      damaged(e, message) {
        const f = foldOf(e.runId, e.ts, e.type);
        f.damage ??= message;
        f.updatedAt = e.ts;
        f.lastType = e.type;
        f.eventCount = Math.max(f.eventCount, e.seq);
        touched.add(e.runId);
      },
      changes() {
        const out = [...touched].map((runId) => {
          const f = runs.get(runId)!;
          const s = f.state;
          // A finished run's fold is dropped: a later revision re-reads that run's events once.
          if (TERMINAL.has(s.status)) runs.delete(runId);
          return {
            sql: 'INSERT OR REPLACE INTO run_summaries (run_id, objective, status, cost_usd, created_at, updated_at, event_count, last_type, for_review, damage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            params: [runId, s.objective, s.status, s.cost.spentUsd, f.createdAt, f.updatedAt, f.eventCount, f.lastType, forReview(s), f.damage],
          };
        });
        touched.clear();
        return out;
      },
    };
  },
};
