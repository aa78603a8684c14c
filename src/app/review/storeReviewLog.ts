// The review as the workspace database has it: read from the review projection (src/storage/
// projections/reviews.ts), never by folding events. A reader starts from the runs with something
// pending and follows later decisions by the rows' last sequence number; a run asked for by id (a
// rollback, a decided hunk) is read on demand.
import type { RunEvent } from '../../core/events';
import { EMPTY_BOOK, type ReviewBook } from '../../core/review/reviewProjection';
import { parseReviewState, reviewDelta, type ReviewDelta, type ReviewQuestion } from '../../storage/projections/reviews';
import type { SqlEventStore } from '../../storage/sqlEventStore';
import type { ReviewLog } from './reviewService';

export class ReviewFold {
  private book: ReviewBook = EMPTY_BOOK;
  private seen: number | undefined;

  get current(): ReviewBook {
    return this.book;
  }

  /** What to ask for: the reviews changed since the last answer (the active ones, the first time) and the runs named that the book lacks. */
  question(also: readonly string[] = []): ReviewQuestion {
    return { ...(this.seen === undefined ? {} : { seen: this.seen }), runIds: also.filter((runId) => !this.book.runs[runId]) };
  }

  /** Takes an answer (from this process's image or the writer's); true when the review changed. Answers only move forward. */
  take(delta: ReviewDelta): boolean {
    // read from an image older than one answered since (a lagging reader beside the writer's answer)
    if (this.seen !== undefined && delta.seen < this.seen) return false;
    this.seen = delta.seen;
    if (delta.states.length === 0) return false;
    const runs = { ...this.book.runs };
    for (const state of delta.states) {
      const review = parseReviewState(state);
      runs[review.runId] = review;
    }
    this.book = { runs };
    return true;
  }

  /** Reads what changed since the last call from an open store (and the runs named in `also`); true when something changed. */
  async catchUp(store: SqlEventStore, also: readonly string[] = []): Promise<boolean> {
    return this.take(reviewDelta(store.read, this.question(also)));
  }
}

/** A ReviewLog on one open store (the CLI's, or a writer the editor holds for one decision). */
export class StoreReviewLog implements ReviewLog {
  private readonly fold = new ReviewFold();

  constructor(private readonly store: SqlEventStore) {}

  async load(runIds: readonly string[] = []): Promise<ReviewBook> {
    await this.fold.catchUp(this.store, runIds);
    return this.fold.current;
  }

  async append(runId: string, events: readonly RunEvent[]): Promise<void> {
    await this.store.append(runId, events);
  }
}
