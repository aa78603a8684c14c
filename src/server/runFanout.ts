// One live fan-out per run for GET /runs/:id/events (SSE): each event is serialized once into an SSE
// frame and written to every subscriber that is caught up, so 200 subscribers cost one
// JSON.stringify and 200 socket writes per event, no database read and no per-subscriber task.
//
// Where events come from: a run hosted by this server pushes them as they become durable; otherwise
// (a run written by the CLI or the editor, and every run once it has ended here, since its review is
// decided later) the log is read once per poll for the fan-out, not per subscriber, and at once after
// a review decision through this server (poke).
//
// A subscriber only ever gets the event after the last one it got (`id:` = sequence number): one
// joining mid-run, or resuming with Last-Event-ID, first reads what it missed from the log (or from
// the recent frames kept here), then joins the live writes. One that reads too slowly is not waited
// for: past MAX_BUFFERED_BYTES unread, its stream is cut with `event: cut` after the last whole event,
// and the client resumes with Last-Event-ID (EventSource does it by itself).
//
// When the stream ends (`event: end`): the run has ended (run.completed, run.failed, run.cancelled),
// it has nothing pending review and no accept or rollback under way, no process other than this
// server holds the workspace's writer (a CLI run proposes its review after run.completed), and the
// subscriber has every event. Until then review.* events (proposed, decisions, rollbacks) keep
// coming on the same stream.
import type { ServerResponse } from 'node:http';
import type { StoredEvent } from '../core/ports/eventStore';
import type { WorkspaceStore } from '../app/workspaceStore';
import { pendingCount } from '../core/review/reviewProjection';
import { readReview } from '../storage/projections/reviews';
import type { RunService } from './runService';

/** Unread bytes a subscriber may have queued before its stream is cut (it resumes with Last-Event-ID). */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Recent frames kept per run (at most this many, and this many bytes), so a subscriber a little behind catches up without reading the log. */
const RECENT_FRAMES = 512;
const RECENT_BYTES = 4 * 1024 * 1024;
const FINISHED = new Set(['completed', 'failed', 'cancelled']);
const KEEP_ALIVE = Buffer.from(': keep-alive\n\n');
const END = Buffer.from('event: end\ndata: {}\n\n');

export interface FanoutOptions {
  readonly heartbeatMs: number;
  /** How often a run not pushed by this server is read for new events (and for its end). */
  readonly pollMs: number;
  readonly maxBufferedBytes?: number;
}

interface Frame {
  readonly seq: number;
  readonly bytes: Buffer;
}

interface Subscriber {
  readonly res: ServerResponse;
  /** The last sequence number written to it. */
  last: number;
  /** Caught up: gets live frames as they come. Otherwise a catch-up from the log is under way. */
  live: boolean;
}

export function frameOf(e: StoredEvent): Frame {
  return { seq: e.seq, bytes: Buffer.from(`id: ${e.seq}\ndata: ${JSON.stringify({ runId: e.runId, seq: e.seq, ts: e.ts, type: e.type, data: e.data })}\n\n`) };
}

class RunFanout {
  private readonly subscribers = new Set<Subscriber>();
  private readonly recent: Frame[] = [];
  private recentBytes = 0;
  /** The highest sequence number this fan-out has (every frame up to it went to the live subscribers). */
  private head = 0;
  private ended = false;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private readonly batch: StoredEvent[] = [];
  private readonly pollMs: number;
  private readonly unsubscribe: () => void;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly poller: ReturnType<typeof setInterval>;
  private readonly maxBuffered: number;

  constructor(
    readonly runId: string,
    private readonly store: WorkspaceStore,
    private readonly runs: RunService,
    options: FanoutOptions,
    private readonly onEmpty: () => void,
  ) {
    this.maxBuffered = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    this.pollMs = options.pollMs;
    this.unsubscribe = runs.subscribe(runId, (e) => this.pushed(e));
    this.heartbeat = setInterval(() => {
      for (const s of [...this.subscribers]) if (!this.tooFarBehind(s)) this.write(s, KEEP_ALIVE);
    }, options.heartbeatMs);
    // a run hosted here pushes its events: the log is read on a timer only for the others, and once this one has ended here
    this.poller = setInterval(() => {
      if (runs.activeRunId !== runId) void this.poll();
    }, options.pollMs);
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** A new subscriber that has every event up to `afterSeq`. */
  add(res: ServerResponse, afterSeq: number): void {
    const sub: Subscriber = { res, last: afterSeq, live: false };
    this.subscribers.add(sub);
    res.once('close', () => this.remove(sub));
    void this.catchUp(sub);
  }

  /** Reads the log now (a review decision was just recorded through this server). */
  poke(): void {
    void this.poll();
  }

  /** The server is closing: streams end without `end` (the run goes on elsewhere or later), clients resume with Last-Event-ID. */
  close(): void {
    for (const s of [...this.subscribers]) this.finish(s, Buffer.alloc(0));
  }

  private pushed(e: StoredEvent): void {
    // events made durable together arrive one by one in the same tick: they go out as one write per subscriber
    this.batch.push(e);
    if (this.batch.length === 1) queueMicrotask(() => this.flushPushed());
  }

  private flushPushed(): void {
    const events = this.batch.splice(0);
    const next = events.filter((e) => e.seq > this.head);
    if (next.length === 0) return; // already read from the log
    if (next[0]!.seq !== this.head + 1 || next.some((e, i) => i > 0 && e.seq !== next[i - 1]!.seq + 1)) return void this.poll(); // something between was missed: the log has it
    this.accept(next.map(frameOf));
  }

  /**
   * The next events of the run (consecutive, from head + 1): kept, and written to every caught-up
   * subscriber, all of them in one write. A subscriber that still has more than the bound unread
   * from before is cut instead: one burst never cuts a client that reads, a client that stopped is.
   */
  private accept(frames: readonly Frame[]): void {
    if (frames.length === 0) return;
    this.head = frames[frames.length - 1]!.seq;
    this.recent.push(...frames);
    for (const f of frames) this.recentBytes += f.bytes.length;
    let drop = 0;
    while (drop < this.recent.length - 1 && (this.recent.length - drop > RECENT_FRAMES || this.recentBytes > RECENT_BYTES)) this.recentBytes -= this.recent[drop++]!.bytes.length;
    if (drop > 0) this.recent.splice(0, drop);
    let all: Buffer | undefined;
    for (const s of this.subscribers) {
      if (!s.live || s.last >= this.head) continue;
      if (this.tooFarBehind(s)) continue;
      if (s.last === frames[0]!.seq - 1) {
        all ??= frames.length === 1 ? frames[0]!.bytes : Buffer.concat(frames.map((f) => f.bytes));
        s.last = this.head;
        this.write(s, all);
      } else if (s.last >= frames[0]!.seq) {
        // the log was ahead of the fan-out for this one: only what it has not had
        const rest = frames.filter((f) => f.seq > s.last);
        s.last = this.head;
        this.write(s, Buffer.concat(rest.map((f) => f.bytes)));
      } else {
        // never a gap: it goes back to catching up from the log (cannot happen to a live one, but costs nothing to guard)
        s.live = false;
        void this.catchUp(s);
      }
    }
  }

  /** Cuts a subscriber that has left more than the bound unread: it resumes with Last-Event-ID. */
  private tooFarBehind(s: Subscriber): boolean {
    if (s.res.writableLength <= this.maxBuffered) return false;
    const cut = Buffer.from(`event: cut\ndata: ${JSON.stringify({ reason: `this client left more than ${Math.round(this.maxBuffered / 1024)} KiB unread`, lastEventId: s.last, resume: 'reconnect with Last-Event-ID' })}\n\n`);
    this.finish(s, cut);
    return true;
  }

  private write(s: Subscriber, bytes: Buffer): void {
    if (!s.res.destroyed && !s.res.writableEnded) s.res.write(bytes);
  }

  /** Ends one subscriber's stream after `last` (its buffered frames still go out first). */
  private finish(s: Subscriber, last: Buffer): void {
    this.remove(s);
    if (s.res.destroyed || s.res.writableEnded) return;
    s.res.end(last);
    // a client that never reads again would hold its buffered frames: let it go after a while
    setTimeout(() => s.res.destroy(), 30_000).unref();
  }

  private remove(s: Subscriber): void {
    if (!this.subscribers.delete(s)) return;
    if (this.subscribers.size === 0) this.dispose();
  }

  private dispose(): void {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    clearInterval(this.poller);
    this.onEmpty();
  }

  /** Brings one subscriber up to the head: from the recent frames when they reach back far enough, else from the log. */
  private async catchUp(s: Subscriber): Promise<void> {
    try {
      for (;;) {
        if (!this.subscribers.has(s)) return;
        const oldest = this.recent[0]?.seq;
        if (oldest !== undefined && oldest <= s.last + 1 && s.last < this.head) {
          const missing = this.recent.filter((f) => f.seq > s.last);
          s.last = this.head;
          this.write(s, Buffer.concat(missing.map((f) => f.bytes)));
        }
        if (!this.subscribers.has(s)) return;
        if (s.last >= this.head) {
          s.live = true;
          if (this.ended) this.finish(s, END);
          else if (s.last > this.head || this.head === 0) void this.poll(); // a new fan-out, or the log is ahead of it
          return;
        }
        let progressed = false;
        for (const e of await (await this.store.read()).store.readRun(this.runId, s.last + 1)) {
          if (!this.subscribers.has(s) || e.seq !== s.last + 1) break;
          s.last = e.seq;
          progressed = true;
          this.write(s, frameOf(e).bytes);
          // a catch-up goes at the client's pace (it is this subscriber's own task): wait rather than cut
          if (s.res.writableLength >= s.res.writableHighWaterMark && this.subscribers.has(s)) await drained(s.res);
        }
        if (!progressed) await new Promise((r) => setTimeout(r, this.pollMs));
      }
    } catch {
      // the log could not be read (the server is closing): the client reconnects with Last-Event-ID
      this.finish(s, Buffer.alloc(0));
    }
  }

  /** One read of the log for the whole fan-out (another asked while one runs: it runs once more after). */
  private poll(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return this.polling;
    }
    this.polling = (async () => {
      try {
        do {
          this.pollAgain = false;
          await this.readLog();
        } while (this.pollAgain);
      } catch {
        // the log could not be read this time: the next poll tries again
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  private async readLog(): Promise<void> {
    if (this.ended || this.subscribers.size === 0) return;
    const hosted = this.runs.activeRunId === this.runId;
    const { store } = await this.store.read();
    const fresh = (await store.readRun(this.runId, this.head + 1)).filter((e) => e.seq > this.head);
    if (fresh.length > 0 && fresh[0]!.seq === this.head + 1 && fresh.every((e, i) => i === 0 || e.seq === fresh[i - 1]!.seq + 1)) this.accept(fresh.map(frameOf));
    if (hosted) return; // its events are pushed, and it has not ended here yet
    const summary = store.runSummary(this.runId);
    if (!summary || !FINISHED.has(summary.status) || summary.event_count > this.head) return;
    const review = readReview(store.read, this.runId);
    if (review && (pendingCount(review) > 0 || review.inFlight.length > 0)) return;
    if (this.store.writerElsewhere()) return; // another process may still write this run's review
    this.ended = true;
    for (const s of [...this.subscribers]) if (s.live) this.finish(s, END);
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** The fan-outs of every run someone follows: created with its first subscriber, gone with its last. */
export class RunFanouts {
  private readonly byRun = new Map<string, RunFanout>();

  constructor(private readonly store: WorkspaceStore, private readonly runs: RunService, private readonly options: FanoutOptions) {}

  join(runId: string, res: ServerResponse, afterSeq: number): void {
    let fanout = this.byRun.get(runId);
    if (!fanout) {
      const created = new RunFanout(runId, this.store, this.runs, this.options, () => {
        if (this.byRun.get(runId) === created) this.byRun.delete(runId);
      });
      this.byRun.set(runId, (fanout = created));
    }
    fanout.add(res, afterSeq);
  }

  /** After a review decision through this server: its events reach the streams now, not at the next poll. */
  poke(): void {
    for (const f of this.byRun.values()) f.poke();
  }

  get subscribers(): number {
    let n = 0;
    for (const f of this.byRun.values()) n += f.size;
    return n;
  }

  close(): void {
    for (const f of [...this.byRun.values()]) f.close();
  }
}
