// The workspace memory as both hosts assemble it: run memory (decisions and run summaries) always,
// queued in the workspace database; context for prompts only once the workspace has been indexed,
// from the memory index's own database, opened at the first prompt that asks and kept open (read-only)
// for the next ones; embeddings from the first embedding-capable provider configured
// (OpenAI, Gemini, OpenAI-compatible), else keywords only.
import type { ContextProvider, ContextQuery } from '../core/agents/contextProvider';
import { MemoryContextProvider } from '../core/memory/contextBuilder';
import { indexWorkspace, type IndexOptions, type IndexReport } from '../core/memory/indexer';
import { MemorySearch } from '../core/memory/memorySearch';
import { RunMemory } from '../core/memory/runMemory';
import type { Embedder } from '../core/ports/model';
import type { ProviderConfig } from '../providers/config';
import { createProviderRegistry } from '../providers/registry';
import { memoryDir, memoryIndexExists, openMemoryDatabase, readMemoryDatabase } from '../storage/memoryDatabase';
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

interface Open {
  readonly dir: string;
  readonly reader: WorkspaceDatabase;
  /** By embedder id: the search and the workspace database whose queue it sees. */
  readonly searches: Map<string, { main: WorkspaceDatabase; loaded: LoadedMemory }>;
}

let open: Promise<Open> | undefined;

/**
 * The search over the memory. The memory database is opened read-only once per process and kept (its
 * image is what a search reads: the postings of the query's terms and the hits' chunks, nothing more
 * in JavaScript), and brought up to date from its journal before each use. Beside a writable workspace
 * database, a queue of decisions is first taken in (and an index written before its keyword index gets
 * one) by a short writer open. The same LoadedMemory is returned while the embedder and the workspace
 * database are the same.
 */
export async function loadedSearch(main: WorkspaceDatabase, embedder: Embedder | undefined): Promise<LoadedMemory> {
  const dir = memoryDir(main);
  const inbox = new InboxMemoryStore(main);
  if (!main.readOnly && inbox.pending().length > 0) await takeIn(main);
  let current = open ? await open.catch(() => undefined) : undefined;
  if (current && current.dir !== dir) {
    await current.reader.close();
    current = undefined;
  }
  if (!current) {
    open = readMemoryDatabase(main.path, 'memory search').then((reader) => ({ dir, reader, searches: new Map() }));
    current = await open.catch((err) => {
      open = undefined;
      throw err;
    });
  } else {
    await current.reader.refresh();
  }
  const index = new SqlMemoryStore(current.reader);
  if (index.keywordUnavailable() && !main.readOnly) {
    await takeIn(main);
    await current.reader.refresh();
  }
  const key = embedder?.id ?? '-';
  const known = current.searches.get(key);
  if (known?.main === main) return known.loaded;
  const search = MemorySearch.load(withInbox(index, inbox), embedder);
  const loaded = {
    search,
    get files() {
      return index.indexedFiles().size;
    },
  };
  current.searches.set(key, { main, loaded });
  return loaded;
}

/** A writer's open and close: takes the queued decisions in and builds a missing keyword index. */
async function takeIn(main: WorkspaceDatabase): Promise<void> {
  const memory = await openMemoryDatabase(main, { purpose: 'memory search' });
  await memory.close();
}

/** Closes the memory database a search keeps open (tests; hosts at shutdown). */
export async function closeMemorySearch(): Promise<void> {
  const current = open ? await open.catch(() => undefined) : undefined;
  open = undefined;
  await current?.reader.close();
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
