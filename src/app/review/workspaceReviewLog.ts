// The review's log for a host that shares the workspace database with others (the editor, the CLI's
// review command): reads through the store's read-only follower, appends as the writer when the lock
// is free and otherwise hands the events to the process holding it, so a decision waits for one
// transaction, never for someone else's whole run. While another process holds the writer, a load
// asks it for the review rows it needs instead of loading the database: a decision costs the same
// however large the workspace's history is.
import { LockedError } from '../../storage/lock';
import { databaseDir } from '../../storage/layout';
import { askReviews, HandoffTimeoutError, handOff } from '../../storage/handoff';
import type { RunEvent } from '../../core/events';
import type { WorkspaceStore } from '../workspaceStore';
import type { ReviewBook } from '../../core/review/reviewProjection';
import type { ReviewLog } from './reviewService';
import { lastAppliedRun } from '../../storage/projections/reviews';
import { ReviewFold } from './storeReviewLog';

/** How long a decision waits for the holder of the database to take it before giving up (nothing recorded). */
const HANDOFF_TIMEOUT_MS = 30_000;
/** How long a load waits for the holder's answer before reading the database itself (a holder too old to answer, or stalled). */
const ASK_TIMEOUT_MS = 2_000;
/** Tries between handing off and writing, as holders come and go. */
const ATTEMPTS = 4;

export class WorkspaceReviewLog implements ReviewLog {
  private readonly fold = new ReviewFold();

  constructor(private readonly root: string, private readonly store: WorkspaceStore) {}

  async load(runIds: readonly string[] = []): Promise<ReviewBook> {
    if (!(await this.askWriter(runIds))) await this.refresh(runIds);
    return this.fold.current;
  }

  /** While another process writes, its answer is the newest state there is, and costs only the rows asked for. */
  private async askWriter(runIds: readonly string[]): Promise<boolean> {
    if (!this.store.writerElsewhere()) return false;
    const delta = await askReviews(databaseDir(this.root), this.fold.question(runIds), { timeoutMs: ASK_TIMEOUT_MS, signal: () => !this.store.writerElsewhere() });
    if (!delta) return false;
    this.fold.take(delta);
    return true;
  }

  /** Reads what changed in the review projection (and the runs named); true when the review changed. */
  async refresh(runIds: readonly string[] = []): Promise<boolean> {
    return this.fold.catchUp((await this.store.read()).store, runIds);
  }

  /** The run whose applied changes were recorded last, for a rollback that names none. */
  async lastApplied(): Promise<string | undefined> {
    return lastAppliedRun((await this.store.read()).store.read);
  }

  get current(): ReviewBook {
    return this.fold.current;
  }

  async append(runId: string, events: readonly RunEvent[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      // a live holder (a CLI run) takes it at once; trying the lock first would only add its timeout
      if (this.store.writerElsewhere()) {
        try {
          // withdrawn early when the holder lets go without taking it (it was closing): then written here
          return await handOff(databaseDir(this.root), runId, events, { timeoutMs: HANDOFF_TIMEOUT_MS, signal: () => !this.store.writerElsewhere() });
        } catch (err) {
          if (!(err instanceof HandoffTimeoutError) || this.store.writerElsewhere() || attempt >= ATTEMPTS) throw err;
          continue;
        }
      }
      let opened;
      try {
        opened = await this.store.write(50);
      } catch (err) {
        // another process took the lock in between: hand it to that one
        if (!(errorCause(err) instanceof LockedError) || attempt >= ATTEMPTS) throw err;
        continue;
      }
      try {
        await opened.store.append(runId, events);
        return;
      } finally {
        this.store.release();
      }
    }
  }
}

function errorCause(err: unknown): unknown {
  return (err as { cause?: unknown }).cause ?? err;
}
