// Where a run's durable events go once written: the dashboard, the CLI's --json stream, the
// performance store. An interface, so a distributed bus can take the in-process one's place.
import type { RecordedEvent } from '../events';
import type { Disposable } from '../ports/eventStore';

export interface EventBus {
  publish(event: RecordedEvent): void;
  subscribe(listener: (event: RecordedEvent) => void, filter?: { readonly runId?: string }): Disposable;
}

export class InProcessEventBus implements EventBus {
  private readonly listeners = new Set<{ fn: (e: RecordedEvent) => void; runId: string | undefined }>();

  publish(event: RecordedEvent): void {
    for (const l of [...this.listeners]) {
      if (l.runId !== undefined && l.runId !== event.runId) continue;
      try {
        l.fn(event);
      } catch {
        // one broken listener (a closed webview) must not stop the run or the other listeners
      }
    }
  }

  subscribe(listener: (event: RecordedEvent) => void, filter: { readonly runId?: string } = {}): Disposable {
    const entry = { fn: listener, runId: filter.runId };
    this.listeners.add(entry);
    return { dispose: () => void this.listeners.delete(entry) };
  }
}
