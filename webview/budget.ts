// The box's budget field: what the user typed, as the host takes it. No DOM: tested in Node.
import type { BoxBudget } from '../src/protocol/messages';

/** '' → the setting; 0 → no budget; '$0.50' → 0.5; anything else → undefined (not a budget). */
export function parseBudget(text: string): BoxBudget | undefined {
  const t = text.trim().replace(/^\$/, '');
  if (t === '') return 'default';
  const n = Number(t);
  if (!Number.isFinite(n) || n < 0) return undefined;
  return n === 0 ? null : n;
}
