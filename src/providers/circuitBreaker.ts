// Per provider: after `threshold` consecutive retryable failures the circuit opens and calls fail
// fast for `cooldownMs`; then one trial call is let through (half-open) to test the water.
import { systemClock, type Clock } from '../core/ports/clock';

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;

  constructor(private readonly threshold = 5, private readonly cooldownMs = 30_000, private readonly clock: Clock = systemClock) {}

  allows(): boolean {
    if (this.openedAt === undefined) return true;
    if (this.clock.now() - this.openedAt < this.cooldownMs) return false;
    if (this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  remainingMs(): number {
    return this.openedAt === undefined ? 0 : Math.max(0, this.cooldownMs - (this.clock.now() - this.openedAt));
  }

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === undefined) return 'closed';
    return this.clock.now() - this.openedAt < this.cooldownMs ? 'open' : 'half-open';
  }

  success(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
  }

  failure(): void {
    this.failures++;
    if (this.trialInFlight || this.failures >= this.threshold) {
      this.openedAt = this.clock.now();
      this.trialInFlight = false;
    }
  }
}
