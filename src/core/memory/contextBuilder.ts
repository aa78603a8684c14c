// The memory's ContextProvider: for each agent call, the code chunks and run-memory entries most
// related to the objective and the task, within a token budget counted by a real tokenizer
// (gpt-tokenizer, o200k). The part that depends only on the objective comes first and is the same
// for every call of a run, so providers' prompt caches can reuse it; the task's own part follows.
// Files the prompt already shows in full are left out.
import { countTokens } from '../tokens';
import type { ContextProvider, ContextQuery } from '../agents/contextProvider';
import type { StoredChunk } from './memoryPort';
import type { MemorySearch, SearchHit } from './memorySearch';

export interface ContextOptions {
  /** Tokens for everything this provider adds to one prompt. */
  readonly budgetTokens?: number;
  /** Of the budget, the share kept for the objective's (stable) part. */
  readonly stableShare?: number;
  /** Most run-memory entries (past decisions) to include. */
  readonly maxLessons?: number;
}

const DEFAULTS = { budgetTokens: 3_000, stableShare: 0.5, maxLessons: 4 };

export class MemoryContextProvider implements ContextProvider {
  private readonly options: typeof DEFAULTS;
  private readonly stable = new Map<string, Promise<{ text: string; tokens: number; ids: Set<number> }>>();

  constructor(private readonly search: MemorySearch, options: ContextOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  async contextFor(query: ContextQuery, signal?: AbortSignal): Promise<string> {
    if (this.search.size === 0) return '';
    const shown = new Set(query.files);
    const key = `${query.objective}\n${[...shown].sort().join('\n')}`;
    let stable = this.stable.get(key);
    if (!stable) {
      stable = this.stablePart(query.objective, shown, signal);
      this.stable.set(key, stable);
      stable.catch(() => this.stable.delete(key));
    }
    const head = await stable;
    if (!query.taskDescription) return head.text;
    const hits = (await this.search.search(`${query.taskDescription}\n${query.files.join(' ')}`, { limit: 30, source: 'file', ...(signal ? { signal } : {}) })).hits;
    const tail = pick(hits, this.options.budgetTokens - head.tokens, shown, head.ids);
    return [head.text, tail.text].filter(Boolean).join('\n');
  }

  private async stablePart(objective: string, shown: ReadonlySet<string>, signal: AbortSignal | undefined) {
    const opts = signal ? { signal } : {};
    const lessons = (await this.search.search(objective, { limit: this.options.maxLessons, source: 'run', ...opts })).hits;
    const code = (await this.search.search(objective, { limit: 30, source: 'file', ...opts })).hits;
    const budget = Math.floor(this.options.budgetTokens * this.options.stableShare);
    const past = pick(lessons, Math.floor(budget / 3), shown, new Set(), 'Earlier runs in this workspace (follow what was accepted, avoid what was rejected):');
    const related = pick(code, budget - past.tokens, shown, past.ids);
    return { text: [past.text, related.text].filter(Boolean).join('\n'), tokens: past.tokens + related.tokens, ids: new Set([...past.ids, ...related.ids]) };
  }
}

/** Best-ranked first; a hit that does not fit is skipped for smaller ones after it. */
function pick(hits: readonly SearchHit[], budget: number, shown: ReadonlySet<string>, taken: ReadonlySet<number>, heading?: string) {
  const ids = new Set<number>();
  const parts: string[] = [];
  let tokens = heading ? countTokens(heading) + 1 : 0;
  for (const { chunk } of hits) {
    if (taken.has(chunk.id) || ids.has(chunk.id) || (chunk.source === 'file' && shown.has(chunk.path))) continue;
    const block = render(chunk);
    const cost = countTokens(block) + 1;
    if (tokens + cost > budget) continue;
    tokens += cost;
    ids.add(chunk.id);
    parts.push(block);
  }
  if (parts.length === 0) return { text: '', tokens: 0, ids };
  return { text: [...(heading ? [heading] : []), ...parts].join('\n'), tokens, ids };
}

function render(c: StoredChunk): string {
  if (c.source === 'run') return `- ${c.text.replace(/\n/g, '\n  ')}`;
  return `--- ${c.path}:${c.startLine}-${c.endLine}${c.symbol ? ` (${c.symbol})` : ''}\n${c.text}`;
}
