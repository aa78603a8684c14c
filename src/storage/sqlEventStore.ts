// The EventStore port over the workspace database. Sequence numbers are assigned synchronously
// (so concurrent appends never collide) and an append resolves only once the database says durable.
import {
  ConcurrencyError,
  type AppendOptions,
  type Disposable,
  type EventStore,
  type NewEvent,
  type RunSummary,
  type StoredEvent,
} from '../core/ports/eventStore';
import type { Database, SqlStatement } from './database';
import { EventReader } from './eventReader';
import { ProjectionRunner, type Projection, type ReadSql } from './projection';
import { archiveDirOf } from './runArchive';
import { PROJECTIONS } from './projections';
import type { RunSummaryRow } from './projections/runSummaries';

interface Subscriber {
  readonly listener: (event: StoredEvent) => void;
  readonly runId: string | undefined;
}

export class SqlEventStore implements EventStore {
  private readonly runSeq = new Map<string, number>();
  /** Read at the first append: a reader never needs it, and it scans every archived run's row. */
  private globalSeq: number | undefined;
  private readonly subscribers = new Set<Subscriber>();
  private projector: ProjectionRunner | undefined;
  readonly read: ReadSql;
  /** The log wherever its events are: the table, and the finished runs' archives. */
  readonly events: EventReader;

  constructor(
    readonly db: Database,
    private readonly clock: () => number = Date.now,
    private readonly projections: readonly Projection[] = PROJECTIONS,
  ) {
    this.read = (sql, params) => db.all(sql, params);
    this.events = new EventReader(this.read, db.path === undefined ? undefined : archiveDirOf(db.path));
  }

  async append(runId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const current = this.lastSeq(runId);
    if (options.expectedSeq !== undefined && options.expectedSeq !== current) throw new ConcurrencyError(runId, options.expectedSeq, current);
    // Serialized before any counter moves: data JSON cannot hold (a cycle, a BigInt) fails here and
    // leaves no gap in the sequences. What is stored, returned and published is the JSON round trip.
    const json = events.map((e) => JSON.stringify(e.data ?? null));
    const globalSeq = (this.globalSeq ??= this.events.lastGlobalSeq());
    const stored: StoredEvent[] = events.map((e, i) => ({
      runId,
      seq: current + i + 1,
      globalSeq: globalSeq + i + 1,
      type: e.type,
      data: JSON.parse(json[i]!) as unknown,
      ts: e.ts ?? this.clock(),
    }));
    const last = stored[stored.length - 1]!;
    this.runSeq.set(runId, last.seq);
    this.globalSeq = last.globalSeq;

    const statements: SqlStatement[] = stored.map((e, i) => ({
      sql: 'INSERT INTO events (global_seq, run_id, seq, type, ts, data) VALUES (?, ?, ?, ?, ?, ?)',
      params: [e.globalSeq, e.runId, e.seq, e.type, e.ts, json[i]!],
    }));
    statements.push({
      sql: `INSERT INTO runs (run_id, created_at, updated_at, event_count, last_type) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (run_id) DO UPDATE SET updated_at = excluded.updated_at, event_count = excluded.event_count, last_type = excluded.last_type`,
      params: [runId, stored[0]!.ts, last.ts, last.seq, last.type],
    });
    // The projections change in the same transaction (one journal record) as their events.
    this.projector ??= new ProjectionRunner(this.projections, this.read, (id) => this.events.runEvents(id));
    this.projector.apply(stored);
    statements.push(...this.projector.changes());
    try {
      await this.db.write(statements);
    } catch (err) {
      // The in-memory counters ran ahead of what became durable: re-read them from the database.
      this.projector = undefined;
      this.runSeq.delete(runId);
      this.globalSeq = undefined;
      throw err;
    }
    for (const event of stored) this.publish(event);
    return stored;
  }

  async readRun(runId: string, fromSeq = 1, limit?: number): Promise<StoredEvent[]> {
    return this.afterRefresh(() => this.events.runEvents(runId, fromSeq, limit));
  }

  async readAll(fromGlobalSeq = 1, limit = 10_000): Promise<StoredEvent[]> {
    return this.afterRefresh(() => this.events.page(fromGlobalSeq, limit));
  }

  /**
   * A reader can hold a row naming an archive generation the writer has since replaced and removed:
   * it catches up with the writer and reads again.
   */
  private async afterRefresh<T>(read: () => T): Promise<T> {
    try {
      return read();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !this.db.refresh) throw err;
      await this.db.refresh();
      return read();
    }
  }

  /**
   * Events of every run whose type starts with `prefix` (e.g. 'review.'), in the order they became
   * durable, archived runs' included: reads the whole log (tools and tests; hosts read projections).
   */
  async readTypes(prefix: string, fromGlobalSeq = 1): Promise<StoredEvent[]> {
    return this.afterRefresh(() => [...this.events.inGlobalOrder(fromGlobalSeq)].filter((e) => e.type.startsWith(prefix)));
  }

  async listRuns(): Promise<RunSummary[]> {
    return this.db
      .all<{ run_id: string; created_at: number; updated_at: number; event_count: number; last_type: string }>(
        'SELECT run_id, created_at, updated_at, event_count, last_type FROM runs ORDER BY created_at DESC, run_id',
      )
      .map((r) => ({ runId: r.run_id, createdAt: r.created_at, updatedAt: r.updated_at, eventCount: r.event_count, lastType: r.last_type }));
  }

  /** The run list from the run_summaries projection: no event is read. Newest change first. */
  runSummaries(limit = -1): RunSummaryRow[] {
    return this.db.all<RunSummaryRow>(
      'SELECT run_id, objective, status, cost_usd, created_at, updated_at, event_count, last_type, for_review, damage FROM run_summaries ORDER BY updated_at DESC, run_id LIMIT ?',
      [limit],
    );
  }

  runSummary(runId: string): RunSummaryRow | undefined {
    return this.db.all<RunSummaryRow>('SELECT run_id, objective, status, cost_usd, created_at, updated_at, event_count, last_type, for_review, damage FROM run_summaries WHERE run_id = ?', [runId])[0];
  }

  subscribe(listener: (event: StoredEvent) => void, filter: { runId?: string } = {}): Disposable {
    const sub: Subscriber = { listener, runId: filter.runId };
    this.subscribers.add(sub);
    return { dispose: () => this.subscribers.delete(sub) };
  }

  async close(): Promise<void> {
    this.subscribers.clear();
    await this.db.close();
  }

  private lastSeq(runId: string): number {
    let seq = this.runSeq.get(runId);
    if (seq === undefined) {
      // the runs row moves with every append, in its transaction; a run's archived events left no rows
      seq = Number(this.db.all<{ n: number }>('SELECT event_count AS n FROM runs WHERE run_id = ?', [runId])[0]?.n ?? 0);
      this.runSeq.set(runId, seq);
    }
    return seq;
  }

  private publish(event: StoredEvent): void {
    for (const sub of this.subscribers) {
      if (sub.runId !== undefined && sub.runId !== event.runId) continue;
      try {
        sub.listener(event);
      } catch {
        // a subscriber's failure is its own: the event is durable and the others still get it
      }
    }
  }
}
