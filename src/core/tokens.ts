// Token counts (gpt-tokenizer, o200k): prompt sizes for the cost governor's reservations and the
// context builder's budgets. Its tables take ~130 ms to load, so they load on the first count rather
// than when the extension activates or the CLI starts.
type Counter = (text: string) => number;
let counter: Counter | undefined;

export function countTokens(text: string): number {
  counter ??= (require('gpt-tokenizer') as typeof import('gpt-tokenizer')).countTokens;
  return counter(text);
}
