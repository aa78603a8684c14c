// One row per run: what the run list shows (objective, status, cost, last change), so listing runs
// or offering to resume one reads these rows and no event.
import { evolve, initialRunState, type PatchState, type PatchStatus, type RunState } from '../../core/orchestrator/runState';
import type { RecordedEvent } from '../../core/events';
import { forReview } from '../../core/orchestrator/runState';
import { isReviewEvent } from '../../core/review/reviewProjection';
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

/**
 * A user's review decision on a run (review.*, and the patch.applied / patch.rejected it records for
 * the run's own fold) changes nothing of the summary but the patches' statuses, kept in the row: it is
 * folded from the row, never from the run's events, so a decision costs the same however long the run.
 */
function isDecision(type: string): boolean {
  return isReviewEvent(type) || type === 'patch.applied' || type === 'patch.rejected';
}

/** What a decision changes: the run's fold over a state holding only its patches' statuses (from the row). */
interface DecisionFold {
  state: RunState;
  updatedAt: number;
  lastType: string;
  eventCount: number;
}

function fromStatuses(runId: string, patches: Record<string, PatchStatus>): RunState {
  // evolve only spreads a patch it changes, and forReview reads statuses: a patch's id and status are enough
  const skeleton = Object.fromEntries(Object.entries(patches).map(([patchId, status]) => [patchId, { patchId, status } as PatchState]));
  return { ...initialRunState(runId), patches: skeleton };
}

function statuses(state: RunState): Record<string, PatchStatus> {
  return Object.fromEntries(Object.values(state.patches).map((p) => [p.patchId, p.status]));
}

/** Folds of decided runs kept between appends (a run being reviewed); older ones are read back from their row. */
const DECIDED_KEPT = 8;

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
  version: 4,
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
          damage TEXT,
          patches TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX run_summaries_updated ON run_summaries (updated_at DESC, run_id);`,
  fold(read: ReadSql): ProjectionFold {
    const runs = new Map<string, Fold>();
    const touched = new Set<string>();
    const decided = new Map<string, DecisionFold>();
    const decidedTouched = new Set<string>();
    const decisionFold = (runId: string): DecisionFold | undefined => {
      let d = decided.get(runId);
      if (!d) {
        const row = read<{ updated_at: number; last_type: string; event_count: number; patches: string }>('SELECT updated_at, last_type, event_count, patches FROM run_summaries WHERE run_id = ?', [runId])[0];
        if (!row) return undefined;
        d = { state: fromStatuses(runId, JSON.parse(row.patches) as Record<string, PatchStatus>), updatedAt: row.updated_at, lastType: row.last_type, eventCount: row.event_count };
        decided.set(runId, d);
      }
      return d;
    };
    const foldOf = (runId: string, ts: number, type: string): Fold => {
      let f = runs.get(runId);
      if (!f) {
        // the whole fold takes over from here (primed with the run's events, the decisions' included)
        decided.delete(runId);
        decidedTouched.delete(runId);
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
      knows: (runId, type) => runs.has(runId) || (isDecision(type) && decisionFold(runId) !== undefined),
      apply(e) {
        const d = runs.has(e.runId) || !isDecision(e.type) ? undefined : decisionFold(e.runId);
        if (d) {
          d.state = evolve(d.state, e);
          d.updatedAt = e.ts;
          d.lastType = e.type;
          d.eventCount = Math.max(d.eventCount, e.seq);
          decidedTouched.add(e.runId);
          return;
        }
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
          // A finished run's fold is dropped: a decision on it is folded from its row, a later
          // revision re-reads that run's events once.
          if (TERMINAL.has(s.status)) runs.delete(runId);
          return {
            sql: 'INSERT OR REPLACE INTO run_summaries (run_id, objective, status, cost_usd, created_at, updated_at, event_count, last_type, for_review, damage, patches) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            params: [runId, s.objective, s.status, s.cost.spentUsd, f.createdAt, f.updatedAt, f.eventCount, f.lastType, forReview(s), f.damage, JSON.stringify(statuses(s))],
          };
        });
        for (const runId of decidedTouched) {
          const d = decided.get(runId)!;
          out.push({
            sql: 'UPDATE run_summaries SET updated_at = ?, event_count = ?, last_type = ?, for_review = ?, patches = ? WHERE run_id = ?',
            params: [d.updatedAt, d.eventCount, d.lastType, forReview(d.state), JSON.stringify(statuses(d.state)), runId],
          });
        }
        touched.clear();
        decidedTouched.clear();
        if (decided.size > DECIDED_KEPT) for (const runId of [...decided.keys()].slice(0, decided.size - DECIDED_KEPT)) decided.delete(runId);
        return out;
      },
    };
  },
};
