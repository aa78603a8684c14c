// A run's events from a sequence number on, then live: what GET /runs/:id/events streams. Events of a
// run hosted by this server arrive pushed, as soon as they are durable; a run written by another
// process (a CLI run, the editor) is followed by polling the read-only view. Either way a subscriber
// gets each event once, in order, with no gap: anything missed between a push and the backlog is
// read back from the log by sequence number.
import type { StoredEvent } from '../core/ports/eventStore';
import type { WorkspaceStore } from '../app/workspaceStore';
import type { RunService } from './runService';

const TERMINAL = new Set(['run.completed', 'run.failed', 'run.cancelled']);

export interface FeedOptions {
  readonly afterSeq: number;
  readonly signal: AbortSignal;
  /** How often a run written elsewhere is looked at. */
  readonly pollMs: number;
}

export type FeedItem = { readonly kind: 'event'; readonly event: StoredEvent } | { readonly kind: 'end' };

export async function* runEventFeed(store: WorkspaceStore, runs: RunService, runId: string, options: FeedOptions): AsyncGenerator<FeedItem> {
  let last = options.afterSeq;
  const pushed: StoredEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = runs.subscribe(runId, (e) => {
    pushed.push(e);
    wake?.();
  });
  const onAbort = () => wake?.();
  options.signal.addEventListener('abort', onAbort);
  try {
    let lastType: string | undefined;
    const backlog = async () => {
      const events = await (await store.read()).store.readRun(runId, last + 1);
      for (const e of events) {
        last = e.seq;
        lastType = e.type;
      }
      return events;
    };
    for (const e of await backlog()) yield { kind: 'event', event: e };
    while (!options.signal.aborted) {
      if (TERMINAL.has(lastType ?? '') && runs.activeRunId !== runId) {
        yield { kind: 'end' };
        return;
      }
      const batch = pushed.splice(0);
      if (batch.length > 0) {
        for (const e of batch) {
          if (e.seq <= last) continue; // already sent from the backlog
          if (e.seq > last + 1) {
            for (const missed of await backlog()) yield { kind: 'event', event: missed };
            continue;
          }
          last = e.seq;
          lastType = e.type;
          yield { kind: 'event', event: e };
        }
        continue;
      }
      const hosted = runs.activeRunId === runId;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, options.pollMs); // also notices a hosted run that has just ended
      });
      clearTimeout(timer);
      wake = undefined;
      if (!hosted && pushed.length === 0) for (const e of await backlog()) yield { kind: 'event', event: e };
    }
  } finally {
    unsubscribe();
    options.signal.removeEventListener('abort', onAbort);
  }
}
