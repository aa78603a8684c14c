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
  /** Every chunk, text included (indexing; a search reads only its hits: SearchableStore). */
  chunks(): StoredChunk[];
  /** The chunks whose text has no vector in this embedder's space (what indexing embeds next). */
  unembedded(embedderId: string): StoredChunk[];
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

/** One term's postings: the chunks holding it (ascending ids) and how often each does. */
export interface Postings {
  readonly docs: Uint32Array;
  readonly counts: Uint16Array;
}

/** What a BM25 ranking of some terms needs, read from the stored keyword index (no chunk text). */
export interface KeywordView {
  /** Chunks in the index. */
  readonly n: number;
  readonly avgLength: number;
  /** Token count by chunk id (0 where there is no chunk). */
  readonly lengths: Float32Array;
  /** By chunk id: 0 no chunk, 1 'file', 2 'run'. */
  readonly sources: Uint8Array;
  /** Only the terms asked for that some chunk holds. */
  readonly postings: ReadonlyMap<string, Postings>;
}

/** The embeddings of the chunks in one embedder's space: one row of `dims` per chunk id in `ids`. */
export interface VectorRows {
  readonly ids: Uint32Array;
  readonly sources: Uint8Array;
  readonly dims: number;
  readonly matrix: Float32Array;
}

/** What a search reads: the postings of the query's terms, the hits' chunks, and vectors when asked. */
export interface SearchableStore {
  keywordView(terms: readonly string[]): KeywordView;
  chunksById(ids: readonly number[]): Map<number, StoredChunk>;
  /** Whether any chunk has a vector in this embedder's space (cheap: decides whether a search is hybrid). */
  hasVectors(embedderId: string): boolean;
  vectorRows(embedderId: string): VectorRows;
  chunkCount(): number;
  /** Changes whenever what the store holds changes (what a search caches is keyed by it). */
  version(): string;
  /** Why keywords cannot rank yet, if they cannot (an index written before its keyword index). */
  keywordUnavailable(): string | undefined;
  /**
   * A read failed with `err`: if it failed because the store's image was replaced on disk while it
   * was kept (a writer compacted what it points into), the store brings it up to date and says true,
   * and the search is done again once. Damage is never a reason: false.
   */
  refreshAfter?(err: unknown): Promise<boolean>;
}
