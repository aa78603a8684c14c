// An EventStore that lives in memory: the reference the sql.js store is held to (one behavioural
// suite runs against both) and a fast store for core tests.
import {
  ConcurrencyError,
  type AppendOptions,
  type Disposable,
  type EventStore,
  type NewEvent,
  type RunSummary,
  type StoredEvent,
} from '../../src/core/ports/eventStore';

export class InMemoryEventStore implements EventStore {
  private readonly events: StoredEvent[] = [];
  private readonly byRun = new Map<string, StoredEvent[]>();
  private readonly listeners = new Set<{ fn: (e: StoredEvent) => void; runId: string | undefined }>();

  constructor(private readonly clock: () => number = Date.now) {}

  async append(runId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<StoredEvent[]> {
    const run = this.byRun.get(runId) ?? [];
    if (options.expectedSeq !== undefined && options.expectedSeq !== run.length) throw new ConcurrencyError(runId, options.expectedSeq, run.length);
    const stored = events.map((e, i): StoredEvent => ({
      runId,
      seq: run.length + i + 1,
      globalSeq: this.events.length + i + 1,
      type: e.type,
      data: structuredClone(e.data ?? null),
      ts: e.ts ?? this.clock(),
    }));
    run.push(...stored);
    this.byRun.set(runId, run);
    this.events.push(...stored);
    await Promise.resolve();
    for (const e of stored) for (const l of this.listeners) if (l.runId === undefined || l.runId === e.runId) l.fn(e);
    return stored;
  }

  async readRun(runId: string, fromSeq = 1, limit = Infinity): Promise<StoredEvent[]> {
    return (this.byRun.get(runId) ?? []).filter((e) => e.seq >= fromSeq).slice(0, limit);
  }

  async readAll(fromGlobalSeq = 1, limit = 10_000): Promise<StoredEvent[]> {
    return this.events.slice(fromGlobalSeq - 1, fromGlobalSeq - 1 + limit);
  }

  async listRuns(): Promise<RunSummary[]> {
    return [...this.byRun.entries()]
      .map(([runId, evs]) => ({ runId, createdAt: evs[0]!.ts, updatedAt: evs[evs.length - 1]!.ts, eventCount: evs.length, lastType: evs[evs.length - 1]!.type }))
      .sort((a, b) => b.createdAt - a.createdAt || a.runId.localeCompare(b.runId));
  }

  subscribe(listener: (event: StoredEvent) => void, filter: { runId?: string } = {}): Disposable {
    const entry = { fn: listener, runId: filter.runId };
    this.listeners.add(entry);
    return { dispose: () => this.listeners.delete(entry) };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
