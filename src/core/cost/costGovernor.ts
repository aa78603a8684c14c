// Keeps a run under its budgets. Before a call it reserves the most the call can cost (its prompt,
// counted, plus every output token it may produce, at the model's price); afterwards it releases
// the reservation and books what the call really cost. reserve() is synchronous, so any number of
// agents in parallel see each other's holds and the total can never pass the budget.
import { countTokens } from '../tokens';
import type { ChatMessage, ModelPrice, ModelRequest, PriceBook, ProviderId, TextBlock, Unsettled } from '../ports/model';

/** Vendor tokenizers differ from o200k by up to ~20% on code; the margin keeps holds an upper bound. */
const TOKENIZER_MARGIN = 1.25;
const PER_MESSAGE_OVERHEAD = 8;

export type BudgetScope = 'run' | 'day' | 'unpriced';

export class BudgetExceededError extends Error {
  constructor(
    readonly scope: BudgetScope,
    readonly neededUsd: number | null,
    readonly limitUsd: number | null,
    readonly committedUsd: number,
  ) {
    super(budgetMessage(scope, neededUsd, limitUsd, committedUsd));
    this.name = 'BudgetExceededError';
  }
}

function budgetMessage(scope: BudgetScope, needed: number | null, limit: number | null, committed: number): string {
  if (scope === 'unpriced')
    return 'the model has no known price, so its cost cannot be held against the budget. Add its price, pick a priced model, or allow unpriced models (--allow-unpriced)';
  const what = scope === 'run' ? 'run budget' : 'daily budget';
  const flag = scope === 'run' ? '--budget' : '--daily-budget';
  return `the next call may cost up to ${usd(needed ?? 0)}, and ${usd(committed)} of the ${usd(limit ?? 0)} ${what} is already spent or held. Raise ${flag} or resume with a larger budget`;
}

export function usd(n: number): string {
  return `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`;
}

export interface GovernorOptions {
  readonly prices: PriceBook;
  readonly budgetUsd: number | null;
  readonly dailyBudgetUsd: number | null;
  /** Spent today before this run (other runs), from the event log. */
  readonly daySpentUsd?: number;
  /** Spent by this run already (a resumed run). */
  readonly runSpentUsd?: number;
  readonly allowUnpriced: boolean;
}

export interface Reservation {
  readonly callId: string;
  readonly amountUsd: number;
  readonly promptTokens: number;
  readonly priced: boolean;
}

export class CostGovernor {
  private runSpent: number;
  private daySpent: number;
  private held = 0;
  private readonly holds = new Map<string, number>();
  private budgetUsd: number | null;

  constructor(private readonly options: GovernorOptions) {
    this.runSpent = options.runSpentUsd ?? 0;
    this.daySpent = options.daySpentUsd ?? 0;
    this.budgetUsd = options.budgetUsd;
  }

  get runCommittedUsd(): number {
    return this.runSpent + this.held;
  }

  get heldUsd(): number {
    return this.held;
  }

  get spentUsd(): number {
    return this.runSpent;
  }

  get limitUsd(): number | null {
    return this.budgetUsd;
  }

  /** The user raised the run budget (the editor's pause hook). */
  raiseBudget(budgetUsd: number | null): void {
    this.budgetUsd = budgetUsd;
  }

  /** Throws BudgetExceededError, holding nothing, when the call could pass a budget. */
  reserve(callId: string, provider: ProviderId, request: ModelRequest): Reservation {
    const promptTokens = countPromptTokens(request);
    const price = this.options.prices.priceOf(provider, request.model);
    const underBudget = this.budgetUsd !== null || this.options.dailyBudgetUsd !== null;
    if (!price) {
      if (underBudget && !this.options.allowUnpriced) throw new BudgetExceededError('unpriced', null, this.budgetUsd, this.runCommittedUsd);
      this.holds.set(callId, 0);
      return { callId, amountUsd: 0, promptTokens, priced: false };
    }
    const amount = maxCostUsd(price, promptTokens, request.maxOutputTokens);
    if (this.budgetUsd !== null && this.runCommittedUsd + amount > this.budgetUsd + 1e-12)
      throw new BudgetExceededError('run', amount, this.budgetUsd, this.runCommittedUsd);
    const dayLimit = this.options.dailyBudgetUsd;
    if (dayLimit !== null && this.daySpent + this.held + amount > dayLimit + 1e-12)
      throw new BudgetExceededError('day', amount, dayLimit, this.daySpent + this.held);
    this.held += amount;
    this.holds.set(callId, amount);
    return { callId, amountUsd: amount, promptTokens, priced: true };
  }

  /** Books the call's real cost (null: unknown price) and frees the rest of its hold. */
  release(callId: string, costUsd: number | null): number {
    const amount = this.holds.get(callId) ?? 0;
    this.holds.delete(callId);
    this.held = Math.max(0, this.held - amount);
    this.runSpent += costUsd ?? 0;
    this.daySpent += costUsd ?? 0;
    return amount;
  }
}

/**
 * What a call may have cost beyond what its vendor reported, when attempts were cut off (cancelled,
 * timed out, stalled, crashed) before the final usage came: each such attempt could have cost the
 * whole hold, so it is charged that (worst case, never $0), less what was reported on the way.
 */
export function unknownUsageCharge(holdUsd: number, unsettled: Unsettled | undefined): number {
  if (!unsettled || unsettled.attempts <= 0) return 0;
  return Math.max(0, unsettled.attempts * holdUsd - unsettled.reportedCostUsd);
}

export function maxCostUsd(price: ModelPrice, promptTokens: number, maxOutputTokens: number): number {
  return (promptTokens * price.input + maxOutputTokens * price.output) / 1_000_000;
}

export function countPromptTokens(request: ModelRequest): number {
  let tokens = countText(request.system) + (request.jsonSchema ? schemaTokens(request.jsonSchema.schema) : 0);
  for (const tool of request.tools ?? []) tokens += countTokens(tool.description + JSON.stringify(tool.inputSchema));
  for (const m of request.messages) tokens += countMessage(m) + PER_MESSAGE_OVERHEAD;
  return Math.ceil(tokens * TOKENIZER_MARGIN) + PER_MESSAGE_OVERHEAD;
}

const blockTokenCache = new Map<string, number>();

/** System blocks repeat across every call of a role: counted once each (a bounded cache). */
function countBlock(text: string): number {
  let n = blockTokenCache.get(text);
  if (n === undefined) {
    if (blockTokenCache.size > 256) blockTokenCache.clear();
    blockTokenCache.set(text, (n = countTokens(text)));
  }
  return n;
}

const schemaTokenCache = new WeakMap<object, number>();

/** Schemas are shared objects (one per artifact kind): counted once. */
function schemaTokens(schema: Record<string, unknown>): number {
  let n = schemaTokenCache.get(schema);
  if (n === undefined) schemaTokenCache.set(schema, (n = countTokens(JSON.stringify(schema))));
  return n;
}

function countMessage(m: ChatMessage): number {
  if (m.role === 'assistant') return countTokens(m.content) + (m.toolCalls ?? []).reduce((n, c) => n + countTokens(c.argumentsJson), 0);
  return countText(m.content);
}

function countText(content: string | readonly TextBlock[] | undefined): number {
  if (content === undefined) return 0;
  if (typeof content === 'string') return countTokens(content);
  return content.reduce((n, b) => n + countBlock(b.text), 0);
}
