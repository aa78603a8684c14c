// The single writer of one run's events. Appends are chained so they land in order with
// optimistic concurrency (a second writer on the same run is caught, not interleaved); each event
// is folded into the in-memory RunState and published on the bus only once the store says durable.
// Every event is scrubbed of known secrets on its way in: no payload (check output, model text,
// reasons) can put a key into the database, the bus or a later prompt.
import { parseEvent, type RecordedEvent, type RunEvent } from '../events';
import { ConcurrencyError, type EventStore } from '../ports/eventStore';
import { evolve, projectRun, type RunState } from './runState';
import type { EventBus } from './eventBus';
import { Redactor } from '../security/redaction';

export class RunLog {
  private tail: Promise<unknown> = Promise.resolve();
  private seq: number;
  private current: RunState;
  private failure: unknown;

  private constructor(
    readonly runId: string,
    private readonly store: EventStore,
    private readonly bus: EventBus | undefined,
    readonly history: readonly RecordedEvent[],
    private readonly onEvent: ((e: RecordedEvent) => void) | undefined,
    private readonly redactor: Redactor,
  ) {
    this.current = projectRun(runId, history);
    this.seq = history.length ? history[history.length - 1]!.seq : 0;
  }

  static async open(runId: string, store: EventStore, bus?: EventBus, onEvent?: (e: RecordedEvent) => void, redactor = Redactor.fromEnv(process.env)): Promise<RunLog> {
    const history = (await store.readRun(runId)).map(parseEvent);
    return new RunLog(runId, store, bus, history, onEvent, redactor);
  }

  static fresh(runId: string, store: EventStore, bus?: EventBus, onEvent?: (e: RecordedEvent) => void, redactor = Redactor.fromEnv(process.env)): RunLog {
    return new RunLog(runId, store, bus, [], onEvent, redactor);
  }

  get state(): RunState {
    return this.current;
  }

  /** Durable once resolved; the events are appended atomically, after every earlier append. */
  append(...raw: RunEvent[]): Promise<RecordedEvent[]> {
    const events = raw.map((e) => this.redactor.deep(e));
    const result = this.tail.then(async () => {
      if (this.failure) throw this.failure;
      try {
        const stored = await this.appendAfterReview(events);
        this.seq = stored[stored.length - 1]?.seq ?? this.seq;
        const recorded = stored.map((s, i) => ({ ...events[i]!, runId: s.runId, seq: s.seq, globalSeq: s.globalSeq, ts: s.ts }) as RecordedEvent);
        for (const e of recorded) {
          this.current = evolve(this.current, e);
          this.onEvent?.(e);
          this.bus?.publish(e);
        }
        return recorded;
      } catch (err) {
        // After a failed append the log's position is unknown: refuse further writes rather than guess.
        this.failure ??= err;
        throw err;
      }
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Appends at the run's end. The user's review decisions (review.*, patch.applied/rejected from a
   * review, made in another process and appended by the lock holder) may land in between: they are
   * folded in and the append goes after them; anything else from another writer is a conflict.
   */
  private async appendAfterReview(events: readonly RunEvent[]) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.store.append(this.runId, events, { expectedSeq: this.seq });
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || attempt >= 3) throw err;
        const between = (await this.store.readRun(this.runId, this.seq + 1)).map(parseEvent);
        if (!between.every((e) => e.type.startsWith('review.') || e.type === 'patch.applied' || (e.type === 'patch.rejected' && !e.data.final))) throw err;
        for (const e of between) this.current = evolve(this.current, e);
        this.seq = between[between.length - 1]?.seq ?? this.seq;
      }
    }
  }

  /** For fire-and-forget appends (stream progress): failures surface on the next awaited append. */
  post(...events: RunEvent[]): void {
    void this.append(...events).catch(() => undefined);
  }

  async flush(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure;
  }
}

