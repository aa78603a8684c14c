// The workspace memory as both hosts assemble it: run memory (decisions and run summaries) always,
// context for prompts only once the workspace has been indexed, embeddings from the first
// embedding-capable provider configured (OpenAI, Gemini, OpenAI-compatible), else keywords only.
import type { ContextProvider } from '../core/agents/contextProvider';
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
 * recorded sessions still replay.
 */
export function workspaceMemory(db: Database, embedder: Embedder | undefined): WorkspaceMemory {
  const store = new SqlMemoryStore(db);
  const indexed = store.indexedFiles().size > 0;
  return { context: indexed ? new MemoryContextProvider(MemorySearch.load(store, embedder)) : undefined, memory: new RunMemory(store, embedder) };
}
