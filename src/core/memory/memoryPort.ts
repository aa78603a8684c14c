// What the workspace memory needs from storage. src/storage/memoryStore.ts implements it over the
// memory index's database, src/storage/memoryInbox.ts the part run memory writes (queued in the
// workspace database, so that remembering a decision never loads the index); core never sees SQL.

export type ChunkSource = 'file' | 'run';

export interface ChunkInput {
  /** Workspace-relative file path (source 'file') or the run id (source 'run'). */
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly symbol: string | undefined;
  /** 'function', 'class', 'method', 'block' (a line window), 'patch-accept', 'run-summary', ... */
  readonly kind: string;
  /** sha256 of the text: the key of its embedding. */
  readonly contentHash: string;
  readonly text: string;
}

export interface StoredChunk extends ChunkInput {
  readonly id: number;
  readonly source: ChunkSource;
}

export interface FileChunks {
  readonly path: string;
  readonly contentHash: string;
  readonly chunks: readonly ChunkInput[];
}

export interface MemoryStore {
  /** Every indexed file and the hash of the content it was indexed at. */
  indexedFiles(): Map<string, string>;
  /** Replaces the chunks of these files (and their hashes) and drops `removed`, in one transaction. */
  replaceFiles(files: readonly FileChunks[], removed: readonly string[], now: number): Promise<void>;
  /** Adds run-memory chunks (source 'run'); a chunk whose path and hash are already stored is skipped. */
  addRunChunks(chunks: readonly ChunkInput[]): Promise<void>;
  chunks(): StoredChunk[];
  /** Cached embeddings of these content hashes in the embedder's space. */
  vectors(embedderId: string, hashes?: readonly string[]): Map<string, Float32Array>;
  putVectors(embedderId: string, vectors: ReadonlyMap<string, Float32Array>): Promise<void>;
  /** Hashes with no chunk left, whose vectors can go. */
  pruneVectors(): Promise<number>;
  /** The embedder ids with vectors stored, most vectors first. */
  embedders(): string[];
}

/** What run memory writes: a decision or a run summary, and its embedding. */
export type RunMemoryStore = Pick<MemoryStore, 'addRunChunks' | 'vectors' | 'putVectors'>;

/** What a search loads. */
export type SearchableStore = Pick<MemoryStore, 'chunks' | 'vectors'>;
