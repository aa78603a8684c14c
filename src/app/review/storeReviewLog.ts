// The review as the workspace database has it: read from the review projection (src/storage/
// projections/reviews.ts), never by folding events. A reader starts from the runs with something
// pending and follows later decisions by the rows' last sequence number; a run asked for by id (a
// rollback, a decided hunk) is read on demand.
import type { RunEvent } from '../../core/events';
import { EMPTY_BOOK, type ReviewBook, type RunReview } from '../../core/review/reviewProjection';
import type { ReadSql } from '../../storage/projection';
import { lastReviewSeq, readActiveReviews, readReview, readReviewsChangedAfter } from '../../storage/projections/reviews';
import type { SqlEventStore } from '../../storage/sqlEventStore';
import type { ReviewLog } from './reviewService';

export class ReviewFold {
  private book: ReviewBook = EMPTY_BOOK;
  private seen: number | undefined;

  get current(): ReviewBook {
    return this.book;
  }

  /**
   * Reads the reviews changed since the last call (the active ones, the first time) and the runs
   * named in `also`; true when something changed. Every query runs in one tick, on one image.
   */
  async catchUp(store: SqlEventStore, also: readonly string[] = []): Promise<boolean> {
    const read: ReadSql = store.read;
    let fresh: RunReview[];
    if (this.seen === undefined) {
      fresh = readActiveReviews(read);
      this.seen = lastReviewSeq(read);
    } else {
      const changed = readReviewsChangedAfter(read, this.seen);
      fresh = changed.reviews;
      this.seen = changed.lastSeq;
    }
    for (const runId of also) {
      if (this.book.runs[runId] || fresh.some((r) => r.runId === runId)) continue;
      const review = readReview(read, runId);
      if (review) fresh.push(review);
    }
    if (fresh.length === 0) return false;
    const runs = { ...this.book.runs };
    for (const review of fresh) runs[review.runId] = review;
    this.book = { runs };
    return true;
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
