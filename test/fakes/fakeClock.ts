// Virtual time for retry tests: sleep() returns at once and moves the clock, recording each wait.
import type { Clock } from '../../src/core/ports/clock';

export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private t = 1_000_000;

  now(): number {
    return this.t;
  }

  /** Time passing without a sleep (a breaker's cooldown while the user waits). */
  advance(ms: number): void {
    this.t += ms;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.t += ms;
    await Promise.resolve();
  }
}
