// Persisted projections: tables folded from the event log and written in the same transaction (the
// same journal record) as the events that change them, so a projection is never ahead of or behind
// its events, and reading it costs what the answer costs, not what the history costs. Each one can
// be rebuilt from the log (`codecompanion db rebuild`), and is rebuilt by itself when its version
// changes: a new projection registers in PROJECTIONS (src/storage/projections.ts) with its tables'
// DDL and needs no migration.
import type { Database as SqlJsDatabase } from 'sql.js';
import { parseEvent, type RecordedEvent } from '../core/events';
import type { StoredEvent } from '../core/ports/eventStore';
import { queryAll, type SqlStatement, type SqlValue } from './database';
import { EventReader } from './eventReader';

export type ReadSql = <T>(sql: string, params?: readonly SqlValue[]) => T[];

/** The fold of one projection over events in globalSeq order, starting from what its tables hold. */
export interface ProjectionFold {
  /** Events of a run already counted in the tables: learn what later events of the run need, change nothing. */
  prime(runId: string, events: readonly RecordedEvent[]): void;
  /**
   * Whether apply() can take this event without the run's earlier events: prime() has seen the run
   * (or apply() since it started), or the fold needs nothing of the run's past for this type (a
   * review decision on a finished run). Otherwise the store primes it first, reading that run.
   */
  knows(runId: string, type: string): boolean;
  apply(event: RecordedEvent): void;
  /** An event that does not parse (a newer version's type, a damaged row): not folded; may be noted. */
  damaged?(event: StoredEvent, message: string): void;
  /** Statements that bring the tables to the fold's state for everything applied since the last call. */
  changes(): SqlStatement[];
}

export interface Projection {
  readonly name: string;
  /** Bump when the fold or the tables change: the projection is then rebuilt at the next open. */
  readonly version: number;
  /** CREATE statements for its tables (and indexes). */
  readonly ddl: string;
  readonly tables: readonly string[];
  /** A fold continuing from what the tables hold (read through `read`). */
  fold(read: ReadSql): ProjectionFold;
}

const STATE_DDL = 'CREATE TABLE IF NOT EXISTS cc_projections (name TEXT PRIMARY KEY, version INTEGER NOT NULL)';

/** Events that do not parse (a newer version's types) are not folded, as everywhere else. */
export function parsed(e: StoredEvent): RecordedEvent | undefined {
  try {
    return parseEvent(e);
  } catch {
    return undefined;
  }
}

/** The projections whose tables are missing or were built by another version of their fold. */
export function staleProjections(db: SqlJsDatabase, projections: readonly Projection[]): Projection[] {
  db.exec(STATE_DDL);
  const built = new Map(queryAll<{ name: string; version: number }>(db, 'SELECT name, version FROM cc_projections').map((r) => [r.name, r.version]));
  return projections.filter((p) => built.get(p.name) !== p.version);
}

/**
 * Feeds stored events to a set of folds, priming a fold with a run's earlier events the first time it
 * sees that run (a resumed or revised run): costs that run, never the history.
 */
export class ProjectionRunner {
  private readonly folds: ProjectionFold[];

  /** `runEvents` reads a run's events wherever they are (the table or its archive). */
  constructor(
    projections: readonly Projection[],
    read: ReadSql,
    private readonly runEvents: (runId: string) => readonly StoredEvent[],
  ) {
    this.folds = projections.map((p) => p.fold(read));
  }

  apply(events: readonly StoredEvent[]): void {
    for (const [i, stored] of events.entries()) {
      const cold = this.folds.filter((f) => !f.knows(stored.runId, stored.type));
      if (cold.length) {
        // this batch's earlier events are not in the table yet (a decision folded without its run's past, then a revision)
        const prior = stored.seq > 1 ? this.prior(stored.runId, stored.seq, events.slice(0, i)) : [];
        for (const f of cold) f.prime(stored.runId, prior);
      }
      let e: RecordedEvent;
      try {
        e = parseEvent(stored);
      } catch (err) {
        for (const f of this.folds) f.damaged?.(stored, (err as Error).message);
        continue;
      }
      for (const f of this.folds) f.apply(e);
    }
  }

  changes(): SqlStatement[] {
    return this.folds.flatMap((f) => f.changes());
  }

  private prior(runId: string, beforeSeq: number, batch: readonly StoredEvent[]): RecordedEvent[] {
    const bySeq = new Map<number, StoredEvent>();
    for (const stored of [...this.runEvents(runId), ...batch]) if (stored.runId === runId && stored.seq < beforeSeq) bySeq.set(stored.seq, stored);
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq).flatMap((stored) => {
      const e = parsed(stored);
      return e ? [e] : [];
    });
  }
}

/**
 * Builds the given projections from every event, in one transaction on the raw database (opening:
 * like a migration, not journaled; the caller snapshots). Costs the whole history: only at upgrade
 * and when asked.
 */
export function rebuildProjections(db: SqlJsDatabase, projections: readonly Projection[], archiveDir: string | undefined): void {
  if (projections.length === 0) return;
  db.exec(STATE_DDL);
  db.exec('BEGIN');
  try {
    for (const p of projections) {
      for (const t of p.tables) db.exec(`DROP TABLE IF EXISTS ${t}`);
      db.exec(p.ddl);
    }
    const read: ReadSql = (sql, params) => queryAll(db, sql, params);
    const events = new EventReader(read, archiveDir);
    const runner = new ProjectionRunner(projections, read, (runId) => events.runEvents(runId));
    let page: StoredEvent[] = [];
    const flush = () => {
      runner.apply(page);
      // written page by page: the folds keep only what runs still in progress need
      for (const s of runner.changes()) db.run(s.sql, (s.params ?? []) as SqlValue[]);
      page = [];
    };
    for (const e of events.inGlobalOrder()) {
      page.push(e);
      if (page.length >= 5000) flush();
    }
    flush();
    for (const p of projections) db.run('INSERT OR REPLACE INTO cc_projections (name, version) VALUES (?, ?)', [p.name, p.version]);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/** Brings every registered projection up to date with its definition; returns the names rebuilt. */
export function ensureProjections(db: SqlJsDatabase, projections: readonly Projection[], archiveDir: string | undefined): string[] {
  const stale = staleProjections(db, projections);
  rebuildProjections(db, stale, archiveDir);
  return stale.map((p) => p.name);
}
