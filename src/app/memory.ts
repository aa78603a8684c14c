// The workspace memory as both hosts assemble it: run memory (decisions and run summaries) always,
// queued in the workspace database; context for prompts only once the workspace has been indexed,
// from the memory index's own database, loaded at the first prompt that asks and kept between
// queries while nothing changed; embeddings from the first embedding-capable provider configured
// (OpenAI, Gemini, OpenAI-compatible), else keywords only.
import type { ContextProvider, ContextQuery } from '../core/agents/contextProvider';
import { MemoryContextProvider } from '../core/memory/contextBuilder';
import { indexWorkspace, type IndexOptions, type IndexReport } from '../core/memory/indexer';
import { MemorySearch } from '../core/memory/memorySearch';
import { RunMemory } from '../core/memory/runMemory';
import type { Embedder } from '../core/ports/model';
import type { ProviderConfig } from '../providers/config';
import { createProviderRegistry } from '../providers/registry';
import { contentStamp } from '../storage/layout';
import { memoryDir, memoryIndexExists, openMemoryDatabase } from '../storage/memoryDatabase';
import { InboxMemoryStore, withInbox } from '../storage/memoryInbox';
import { SqlMemoryStore } from '../storage/memoryStore';
import type { WorkspaceDatabase } from '../storage/workspaceDatabase';

export interface WorkspaceMemory {
  readonly context: ContextProvider | undefined;
  readonly memory: RunMemory;
}

/** The embedder a provider configuration offers, if any. */
export function embedderFrom(config: ProviderConfig): Embedder | undefined {
  return createProviderRegistry(config).embedder();
}

/**
 * What a run takes from the memory. Without an index, prompts stay exactly as they were, so recorded
 * sessions still replay. Nothing here opens the memory database: the index is loaded only when a
 * prompt first asks for context, and recording a decision only queues it in the workspace database.
 */
export function workspaceMemory(main: WorkspaceDatabase, embedder: Embedder | undefined): WorkspaceMemory {
  return { context: memoryIndexExists(main) ? new LazyContext(() => loadedSearch(main, embedder)) : undefined, memory: new RunMemory(new InboxMemoryStore(main), embedder) };
}

class LazyContext implements ContextProvider {
  private inner: Promise<MemoryContextProvider | undefined> | undefined;

  constructor(private readonly load: () => Promise<LoadedMemory>) {}

  async contextFor(query: ContextQuery, signal?: AbortSignal): Promise<string> {
    // a memory database holding only run memory (never indexed here) adds nothing, as before
    this.inner ??= this.load().then((m) => (m.files > 0 ? new MemoryContextProvider(m.search) : undefined));
    const inner = await this.inner;
    return inner ? inner.contextFor(query, signal) : '';
  }
}

export interface LoadedMemory {
  readonly search: MemorySearch;
  /** Files indexed (0: only run memory). */
  readonly files: number;
}

let cached: { dir: string; key: string; loaded: LoadedMemory } | undefined;

/**
 * The search over the memory, loaded once and reused while neither the memory database's files nor
 * the queued decisions changed and the embedder is the same. Loading opens the memory database (a
 * writer beside a writable workspace database first takes in the queue), reads it and closes it.
 */
export async function loadedSearch(main: WorkspaceDatabase, embedder: Embedder | undefined): Promise<LoadedMemory> {
  const dir = memoryDir(main);
  const inbox = new InboxMemoryStore(main);
  const keyNow = () => `${embedder?.id ?? '-'}|${inbox.stamp()}|${contentStamp(dir)}`;
  const before = keyNow();
  if (cached?.dir === dir && cached.key === before) return cached.loaded;
  const memory = await openMemoryDatabase(main, { purpose: 'memory search' });
  let loaded: LoadedMemory;
  try {
    const store = new SqlMemoryStore(memory);
    loaded = { search: MemorySearch.load(withInbox(store, inbox), embedder), files: store.indexedFiles().size };
  } finally {
    await memory.close();
  }
  // A writer took in the queue and wrote its snapshot at close: what it loaded is what is there now.
  // A reader keys by what it saw before: a writer's change meanwhile makes the next query reload.
  cached = { dir, key: memory.readOnly ? before : keyNow(), loaded };
  return loaded;
}

/** Indexes the workspace (or IndexOptions.paths) into the memory database, taking in the queue first. */
export async function indexMemory(root: string, main: WorkspaceDatabase, options: IndexOptions = {}, purpose = 'indexing'): Promise<IndexReport> {
  const memory = await openMemoryDatabase(main, { mode: 'write', purpose, lockTimeoutMs: 10_000 });
  try {
    return await indexWorkspace(root, new SqlMemoryStore(memory), options);
  } finally {
    await memory.close();
  }
}
