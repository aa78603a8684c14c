// The review's events in the workspace database: read (only the review.* events, folded) and
// appended to the run's stream. A follower keeps its fold and reads only what is new since.
import { parseEvent, type RecordedEvent, type RunEvent } from '../../core/events';
import type { SqlEventStore } from '../../storage/sqlEventStore';
import { EMPTY_BOOK, evolveReview, isReviewEvent, type ReviewBook } from './reviewProjection';
import type { ReviewLog } from './reviewService';

export class ReviewFold {
  private book: ReviewBook = EMPTY_BOOK;
  private next = 1;

  get current(): ReviewBook {
    return this.book;
  }

  /** Folds the review events the store has beyond what was folded; true when something changed. */
  async catchUp(store: SqlEventStore): Promise<boolean> {
    const events = await store.readTypes('review.', this.next);
    let changed = false;
    for (const stored of events) {
      this.next = stored.globalSeq + 1;
      if (!isReviewEvent(stored.type)) continue;
      let e: RecordedEvent;
      try {
        e = parseEvent(stored);
      } catch {
        continue; // a newer version's event: not ours to fold
      }
      const before = this.book;
      this.book = evolveReview(this.book, e);
      changed ||= this.book !== before;
    }
    return changed;
  }
}

/** A ReviewLog on one open store (the CLI's, or a writer the editor holds for one decision). */
export class StoreReviewLog implements ReviewLog {
  private readonly fold = new ReviewFold();

  constructor(private readonly store: SqlEventStore) {}

  async load(): Promise<ReviewBook> {
    await this.fold.catchUp(this.store);
    return this.fold.current;
  }

  async append(runId: string, events: readonly RunEvent[]): Promise<void> {
    await this.store.append(runId, events);
  }
}
