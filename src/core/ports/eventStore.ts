// The event log every part of the engine writes to. Core depends on this interface only;
// src/storage implements it over sql.js (durable), and test fakes implement it in memory.

export interface NewEvent {
  readonly type: string;
  readonly data: unknown;
  /** Milliseconds since the epoch; the store fills it in when absent. */
  readonly ts?: number;
}

export interface StoredEvent {
  readonly runId: string;
  /** 1-based, gap-free within a run. */
  readonly seq: number;
  /** 1-based, gap-free across the whole store: the order events became durable. */
  readonly globalSeq: number;
  readonly type: string;
  readonly data: unknown;
  readonly ts: number;
}

export interface RunSummary {
  readonly runId: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly eventCount: number;
  readonly lastType: string;
}

export interface AppendOptions {
  /** Optimistic concurrency: the run's last seq the caller has seen (0 for a new run). */
  readonly expectedSeq?: number;
}

export interface Disposable {
  dispose(): void;
}

export interface EventStore {
  /** Resolves only once every event is durable (on disk, fsync'ed); the events get consecutive seqs. */
  append(runId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<StoredEvent[]>;
  /** `limit`: at most that many (a page, e.g. the first screen of a long run). */
  readRun(runId: string, fromSeq?: number, limit?: number): Promise<StoredEvent[]>;
  readAll(fromGlobalSeq?: number, limit?: number): Promise<StoredEvent[]>;
  listRuns(): Promise<RunSummary[]>;
  /** Live tail: the listener sees each event once it is durable, in globalSeq order. */
  subscribe(listener: (event: StoredEvent) => void, filter?: { runId?: string }): Disposable;
  close(): Promise<void>;
}

export class ConcurrencyError extends Error {
  constructor(readonly runId: string, readonly expectedSeq: number, readonly actualSeq: number) {
    super(`run ${runId} is at seq ${actualSeq}, not ${expectedSeq}: another writer appended to it`);
    this.name = 'ConcurrencyError';
  }
}
