// One row per run that has had a review: its whole review state (hunks and their decisions, the
// checkpoint of what was applied, two-step writes under way) as the fold of its review.* events, so
// a window, the CLI or the server opening the workspace reads the pending reviews from a few rows
// (`active`) and follows later decisions by `last_seq`, never folding the log.
import { EMPTY_BOOK, evolveReview, isReviewEvent, pendingCount, type ReviewBook, type RunReview } from '../../core/review/reviewProjection';
import type { Projection, ProjectionFold, ReadSql } from '../projection';

interface ReviewRow {
  readonly run_id: string;
  readonly last_seq: number;
  readonly state: string;
}

const COLUMNS = 'run_id, last_seq, state';

/** The runs with something pending or a write under way (what a review list and the editor show first). */
export function readActiveReviews(read: ReadSql): RunReview[] {
  return read<ReviewRow>(`SELECT ${COLUMNS} FROM review_runs WHERE active = 1`).map(toReview);
}

/** One run's review (pending or not: a rollback needs what was applied), or undefined. */
export function readReview(read: ReadSql, runId: string): RunReview | undefined {
  const row = read<ReviewRow>(`SELECT ${COLUMNS} FROM review_runs WHERE run_id = ?`, [runId])[0];
  return row ? toReview(row) : undefined;
}

/** The run that applied something (not rolled back) most recently. */
export function lastAppliedRun(read: ReadSql): string | undefined {
  return read<{ run_id: string }>('SELECT run_id FROM review_runs WHERE applied > 0 ORDER BY updated_at DESC, run_id DESC LIMIT 1')[0]?.run_id;
}

/** The newest global sequence number a review row reflects (0 when none). */
export function lastReviewSeq(read: ReadSql): number {
  return Number(read<{ s: number | null }>('SELECT max(last_seq) AS s FROM review_runs')[0]?.s ?? 0);
}

/** What a reader asks for: the reviews changed after `seen` (the active ones when it has read none yet), and runs it has not seen at all. */
export interface ReviewQuestion {
  readonly seen?: number;
  readonly runIds: readonly string[];
}

/** The answer as stored: each review's row text (parsed by the asker), and the newest sequence number they reflect. */
export interface ReviewDelta {
  readonly states: readonly string[];
  readonly seen: number;
}

/** Answers a ReviewQuestion from the review rows, in one tick on one image (the asker's own reader, or the writer it asked). */
export function reviewDelta(read: ReadSql, question: ReviewQuestion): ReviewDelta {
  let rows: ReviewRow[];
  let seen: number;
  if (question.seen === undefined) {
    rows = read<ReviewRow>(`SELECT ${COLUMNS} FROM review_runs WHERE active = 1`);
    seen = lastReviewSeq(read);
  } else {
    rows = read<ReviewRow>(`SELECT ${COLUMNS} FROM review_runs WHERE last_seq > ? ORDER BY last_seq`, [question.seen]);
    seen = rows.length ? rows[rows.length - 1]!.last_seq : question.seen;
  }
  for (const runId of question.runIds) {
    if (rows.some((r) => r.run_id === runId)) continue;
    const row = read<ReviewRow>(`SELECT ${COLUMNS} FROM review_runs WHERE run_id = ?`, [runId])[0];
    if (row) rows.push(row);
  }
  return { states: rows.map((r) => r.state), seen };
}

/** A review row's state as the projection wrote it. */
export function parseReviewState(state: string): RunReview {
  return JSON.parse(state) as RunReview;
}

function toReview(row: ReviewRow): RunReview {
  return parseReviewState(row.state);
}

/** Folds kept in memory between appends (a run being decided); older ones are read back from their row. */
const KEPT = 8;

export const reviews: Projection = {
  name: 'reviews',
  version: 1,
  tables: ['review_runs'],
  ddl: `CREATE TABLE review_runs (
          run_id TEXT PRIMARY KEY,
          last_seq INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          active INTEGER NOT NULL,
          pending INTEGER NOT NULL,
          applied INTEGER NOT NULL,
          state TEXT NOT NULL
        );
        CREATE INDEX review_runs_last_seq ON review_runs (last_seq);
        CREATE INDEX review_runs_active ON review_runs (active);`,
  fold(read: ReadSql): ProjectionFold {
    // A run's row is what its earlier events folded to (written in the same transaction as them), so
    // it is the fold's starting point: no run's events are read again.
    const runs = new Map<string, { review: RunReview | undefined; lastSeq: number }>();
    const touched = new Set<string>();
    return {
      prime: () => undefined,
      knows: () => true,
      apply(e) {
        if (!isReviewEvent(e.type)) return;
        const current = runs.get(e.runId) ?? { review: readReview(read, e.runId), lastSeq: 0 };
        const book: ReviewBook = current.review ? { runs: { [e.runId]: current.review } } : EMPTY_BOOK;
        const next = evolveReview(book, e).runs[e.runId];
        runs.set(e.runId, { review: next, lastSeq: next !== current.review ? e.globalSeq : current.lastSeq });
        if (next !== current.review) touched.add(e.runId);
      },
      changes() {
        const out = [...touched].map((runId) => {
          const { review, lastSeq } = runs.get(runId)!;
          const r = review!;
          const pending = pendingCount(r);
          return {
            sql: 'INSERT OR REPLACE INTO review_runs (run_id, last_seq, updated_at, active, pending, applied, state) VALUES (?, ?, ?, ?, ?, ?, ?)',
            params: [runId, lastSeq, r.updatedAt, pending > 0 || r.inFlight.length > 0 ? 1 : 0, pending, r.applied.length, JSON.stringify(r)],
          };
        });
        touched.clear();
        if (runs.size > KEPT) for (const runId of [...runs.keys()].slice(0, runs.size - KEPT)) runs.delete(runId);
        return out;
      },
    };
  },
};
