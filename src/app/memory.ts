// The workspace memory as both hosts assemble it: run memory (decisions and run summaries) always,
// context for prompts only once the workspace has been indexed, embeddings from the first
// embedding-capable provider configured (OpenAI, Gemini, OpenAI-compatible), else keywords only.
import type { ContextProvider, ContextQuery } from '../core/agents/contextProvider';
import { MemoryContextProvider } from '../core/memory/contextBuilder';
import { MemorySearch } from '../core/memory/memorySearch';
import { RunMemory } from '../core/memory/runMemory';
import type { Embedder } from '../core/ports/model';
import type { ProviderConfig } from '../providers/config';
import { createProviderRegistry } from '../providers/registry';
import type { Database } from '../storage/database';
import { SqlMemoryStore } from '../storage/memoryStore';

export interface WorkspaceMemory {
  readonly context: ContextProvider | undefined;
  readonly memory: RunMemory;
}

/** The embedder a provider configuration offers, if any. */
export function embedderFrom(config: ProviderConfig): Embedder | undefined {
  return createProviderRegistry(config).embedder();
}

/**
 * What a run takes from the memory. Without an index, prompts stay exactly as they were, so
 * recorded sessions still replay. The index is loaded only when a prompt first asks for context
 * (recording a review decision never loads it), and kept between runs while the memory tables are
 * unchanged.
 */
export function workspaceMemory(db: Database, embedder: Embedder | undefined): WorkspaceMemory {
  const store = new SqlMemoryStore(db);
  const indexed = db.all('SELECT 1 FROM memory_files LIMIT 1').length > 0;
  return { context: indexed ? new LazyContext(() => loadedSearch(db, store, embedder)) : undefined, memory: new RunMemory(store, embedder) };
}

class LazyContext implements ContextProvider {
  private inner: MemoryContextProvider | undefined;

  constructor(private readonly load: () => MemorySearch) {}

  contextFor(query: ContextQuery, signal?: AbortSignal): Promise<string> {
    this.inner ??= new MemoryContextProvider(this.load());
    return this.inner.contextFor(query, signal);
  }
}

let cached: { db: string | Database; key: string; search: MemorySearch } | undefined;

/**
 * The search over the memory, loaded once and reused while nothing in the memory tables changed
 * (chunk ids only grow: a replaced file's chunks get new ones) and the embedder is the same.
 */
export function loadedSearch(db: Database, store: SqlMemoryStore, embedder: Embedder | undefined): MemorySearch {
  const id = (db as { path?: string }).path ?? db;
  const row = db.all<{ m: number | null; n: number; v: number }>(
    'SELECT (SELECT max(chunk_id) FROM memory_chunks) AS m, (SELECT count(*) FROM memory_chunks) AS n, (SELECT count(*) FROM memory_vectors) AS v',
  )[0];
  const key = `${embedder?.id ?? '-'}:${row?.m ?? 0}:${row?.n ?? 0}:${row?.v ?? 0}`;
  if (cached?.db === id && cached.key === key) return cached.search;
  const search = MemorySearch.load(store, embedder);
  cached = { db: id, key, search };
  return search;
}
