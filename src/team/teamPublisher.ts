// Publishes a run's events to Redis once they are durable in the local log, which stays the source of
// truth. Publishing never holds the run up: events queue here and a single drain loop sends them.
// When Redis is unreachable or restarts, the status turns "degraded", the run goes on, and once
// Redis answers again the drain asks it for the last id it holds for each run and sends the rest from
// the local log: no event lost, none duplicated (entry ids are sequence numbers).
import type { RecordedEvent } from '../core/events';
import type { EventBus } from '../core/orchestrator/eventBus';
import type { Disposable, EventStore } from '../core/ports/eventStore';
import type { TeamClient } from './redisConnection';
import { DEFAULT_TRIM, entryId, INDEX_STREAM, runStreamKey, seqOf, TERMINAL_TYPES, toEntry, type TrimPolicy } from './teamStreams';

export type BusStatus = { readonly state: 'ok' } | { readonly state: 'degraded'; readonly reason: string };

/** Events held in memory per run while Redis is away; past this the local log is read instead. */
const QUEUE_LIMIT = 5_000;

export class TeamPublisher implements EventBus {
  private readonly queues = new Map<string, RecordedEvent[]>();
  /** Runs whose queue overflowed: the next drain reads them from the local log. */
  private readonly fromLog = new Set<string>();
  /** What Redis is known to hold, per run; forgotten after a failure (asked again). */
  private readonly published = new Map<string, number>();
  private draining: Promise<void> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private current: BusStatus = { state: 'ok' };
  private closed = false;

  constructor(
    private readonly client: TeamClient,
    private readonly store: Pick<EventStore, 'readRun'>,
    private readonly meta: { readonly workspace: string; readonly host: string },
    private readonly trim: TrimPolicy = DEFAULT_TRIM,
    private readonly onStatus: (status: BusStatus) => void = () => undefined,
  ) {}

  get status(): BusStatus {
    return this.current;
  }

  publish(event: RecordedEvent): void {
    if (this.closed) return;
    let q = this.queues.get(event.runId);
    if (!q) this.queues.set(event.runId, (q = []));
    if (q.length >= QUEUE_LIMIT) {
      q.length = 0;
      this.fromLog.add(event.runId);
    } else if (!this.fromLog.has(event.runId)) q.push(event);
    this.kick();
  }

  subscribe(): Disposable {
    throw new Error('TeamPublisher only publishes: follow runs with followRun()');
  }

  /** Resolves once everything queued so far is in Redis (or rejects after `timeoutMs`). */
  async flush(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.draining) await this.draining;
      if (this.pending() === 0 && !this.draining) return;
      if (Date.now() > deadline) throw new Error(`the team bus still has ${this.pending()} event(s) to publish`);
      if (!this.retry) this.kick();
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Publishes what a run's local log has beyond what Redis holds (runs a crashed or cut-off publisher left behind). */
  catchUp(runIds: readonly string[]): void {
    for (const id of runIds) this.fromLog.add(id);
    this.kick();
  }

  async close(timeoutMs = 5_000): Promise<void> {
    await this.flush(timeoutMs).catch(() => undefined); // what is left is in the local log; a later publisher catches up
    this.closed = true;
    clearTimeout(this.retry);
  }

  private pending(): number {
    let n = this.fromLog.size;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  private kick(): void {
    if (this.draining || this.retry) return;
    this.draining = this.drain().finally(() => (this.draining = undefined));
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const runId = [...this.fromLog, ...[...this.queues].filter(([, q]) => q.length > 0).map(([id]) => id)][0];
        if (runId === undefined) break;
        await this.sendRun(runId);
      }
      if (this.current.state !== 'ok') this.setStatus({ state: 'ok' });
    } catch (err) {
      this.published.clear(); // Redis may have restarted without what it had: ask again
      this.setStatus({ state: 'degraded', reason: (err as Error).message.split('\n')[0]! });
      if (!this.closed)
        this.retry = setTimeout(() => {
          this.retry = undefined;
          this.kick();
        }, 500);
    }
  }

  private async sendRun(runId: string): Promise<void> {
    const key = runStreamKey(runId);
    let last = this.published.get(runId);
    if (last === undefined) {
      const top = await this.client.xRevRange(key, '+', '-', { COUNT: 1 });
      last = top?.[0] ? seqOf(top[0].id) : 0;
    }
    let events: readonly RecordedEvent[];
    if (this.fromLog.has(runId)) {
      this.fromLog.delete(runId);
      this.queues.set(runId, []);
      events = (await this.store.readRun(runId, last + 1)) as unknown as RecordedEvent[];
    } else {
      events = this.queues.get(runId)!.splice(0);
      // a gap between what Redis holds and the queue (an earlier failure): fill it from the local log
      const first = events.find((e) => e.seq > last!);
      if (first && first.seq > last + 1) events = [...((await this.store.readRun(runId, last + 1)) as unknown as RecordedEvent[]).filter((e) => e.seq < first.seq), ...events];
    }
    const fresh = events.filter((e) => e.seq > last!);
    try {
      await Promise.all(fresh.map((e) => this.client.xAdd(key, entryId(e.seq), toEntry(e)).catch((err: Error) => {
        if (!/equal or smaller/.test(err.message)) throw err; // already there: another publisher caught up first
        return '';
      })));
      const ends = fresh.filter((e) => e.type === 'run.started' || TERMINAL_TYPES.has(e.type));
      for (const e of ends) {
        await this.client.xAdd(INDEX_STREAM, '*', { runId, type: e.type, ts: String(e.ts), workspace: this.meta.workspace, host: this.meta.host }, { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: this.trim.indexMaxLen } });
        if (TERMINAL_TYPES.has(e.type)) await this.client.expire(key, this.trim.runRetentionS);
      }
    } catch (err) {
      // put them back in front: nothing is lost while Redis is away
      const q = this.queues.get(runId) ?? [];
      this.queues.set(runId, [...fresh, ...q]);
      throw err;
    }
    if (fresh.length > 0) this.published.set(runId, fresh[fresh.length - 1]!.seq);
    else this.published.set(runId, last);
  }

  private setStatus(status: BusStatus): void {
    const changed = status.state !== this.current.state;
    this.current = status;
    if (changed) this.onStatus(status);
  }
}
