// Keeps the in-memory database the size of what is going on: a finished run's events move to their
// own archive file (runArchive.ts) once the run has been idle a while, and runs finished longer ago
// than the retention have their streams compacted as their archive is (re)written. One run at a
// time, yielding between runs, within a time budget per call: the cost of an open stays bounded
// however much history waits.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { SqlStatement } from './database';
import type { SqlEventStore } from './sqlEventStore';
import { compactStreams } from './retention';
import { removeArchive, writeArchive, type ArchiveRow } from './runArchive';

/** A finished run idle for this long leaves the in-memory database at a writer's next open. */
export const ARCHIVE_AFTER_MS = 60 * 60 * 1000;
/** How long one automatic pass may work (at a writer's open, in the background of its own work). */
export const MAINTENANCE_BUDGET_MS = 3_000;

export interface MaintenanceOptions {
  /** Finished runs (completed, failed, cancelled) idle longer than this are archived. */
  readonly archiveAfterMs: number;
  /** Finished runs idle longer than this have their streams compacted; undefined: never. */
  readonly retentionMs: number | undefined;
  readonly now?: number;
  /** Stops after this many runs, or once this much time was spent (the run under way is finished). */
  readonly maxRuns?: number;
  readonly budgetMs?: number;
}

export interface MaintenanceReport {
  readonly archived: number;
  /** Runs whose streams were compacted (retention), and what that removed. */
  readonly runs: number;
  readonly calls: number;
  readonly eventsRemoved: number;
  /** Runs that qualify and are still waiting (the budget or the bound was reached). */
  readonly remaining: number;
}

interface Candidate {
  readonly run_id: string;
  readonly updated_at: number;
}

const TERMINAL = "('completed', 'failed', 'cancelled')";

function candidates(store: SqlEventStore, archiveCutoff: number, retentionCutoff: number, limit: number): Candidate[] {
  // not archived yet; archived with events appended since (a review decision, a resume); archived
  // before retention applied and now old enough to compact
  return store.read<Candidate>(
    `SELECT s.run_id, s.updated_at FROM run_summaries s LEFT JOIN run_archives a ON a.run_id = s.run_id
     WHERE s.status IN ${TERMINAL} AND s.updated_at < ?
       AND (a.run_id IS NULL OR a.last_seq < s.event_count OR (a.compacted = 0 AND s.updated_at < ?))
     ORDER BY s.updated_at LIMIT ?`,
    [archiveCutoff, retentionCutoff, limit],
  );
}

export async function maintainRuns(store: SqlEventStore, options: MaintenanceOptions): Promise<MaintenanceReport> {
  const dir = store.events.archiveDir;
  const now = options.now ?? Date.now();
  const archiveCutoff = now - options.archiveAfterMs;
  // -Infinity is not a SQL value: no run is older than the epoch
  const retentionCutoff = options.retentionMs === undefined ? 0 : now - options.retentionMs;
  const started = Date.now();
  const maxRuns = options.maxRuns ?? Number.MAX_SAFE_INTEGER;
  let archived = 0;
  let runs = 0;
  let calls = 0;
  let eventsRemoved = 0;
  if (dir !== undefined && !store.db.readOnly) {
    for (const c of candidates(store, archiveCutoff, retentionCutoff, Math.min(maxRuns, 1_000_000))) {
      if (options.budgetMs !== undefined && Date.now() - started > options.budgetMs) break;
      const r = await archiveRun(store, c.run_id, { compact: c.updated_at < retentionCutoff, now });
      archived++;
      if (r.compacted) runs++;
      calls += r.calls;
      eventsRemoved += r.removed;
      await yieldToLoop();
    }
  }
  const remaining = dir === undefined ? 0 : candidates(store, archiveCutoff, retentionCutoff, 1_000_000).length;
  return { archived, runs, calls, eventsRemoved, remaining };
}

/**
 * Writes the run's events (compacted when asked and not yet) to a new archive generation, then, in
 * one transaction, points the run's row at it and deletes the rows it holds. Events appended to the
 * run meanwhile have later seqs and stay in the table.
 */
export async function archiveRun(store: SqlEventStore, runId: string, options: { compact: boolean; now?: number }): Promise<{ compacted: boolean; calls: number; removed: number }> {
  const dir = store.events.archiveDir;
  if (dir === undefined) throw new Error('a database that lives in memory has no run archives');
  const now = options.now ?? Date.now();
  const compact = options.compact;
  const previous: ArchiveRow | undefined = store.events.archiveOf(runId);
  const events = store.events.runEvents(runId);
  if (events.length === 0) return { compacted: false, calls: 0, removed: 0 };
  const doCompact = compact && previous?.compacted !== 1;
  const folded = doCompact ? compactStreams(events) : { events, calls: 0, removed: 0 };
  const generation = (previous?.generation ?? 0) + 1;
  const written = await writeArchive(dir, runId, generation, folded.events);
  const lastSeq = events[events.length - 1]!.seq;
  const statements: SqlStatement[] = [
    {
      sql: `INSERT OR REPLACE INTO run_archives (run_id, file, sha256, bytes, generation, events, last_seq, first_global, last_global, compacted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [runId, written.file, written.sha256, written.bytes, generation, folded.events.length, lastSeq, folded.events[0]!.globalSeq, folded.events[folded.events.length - 1]!.globalSeq, doCompact || previous?.compacted === 1 ? 1 : 0],
    },
    { sql: 'DELETE FROM events WHERE run_id = ? AND seq <= ?', params: [runId, lastSeq] },
  ];
  if (doCompact) statements.push({ sql: 'INSERT OR REPLACE INTO compactions (run_id, compacted_at, events_removed) VALUES (?, ?, ?)', params: [runId, now, folded.removed] });
  // a failed write may still have become durable: its file is never removed here (an unreferenced
  // file is harmless and is overwritten by the run's next archive)
  await store.db.write(statements);
  if (previous) removeArchive(dir, previous.file);
  return { compacted: doCompact, calls: folded.calls, removed: folded.removed };
}
