// Search over everything the memory holds (file chunks and run memory): BM25 always, cosine when
// the store has vectors in the embedder's space and the query can be embedded, the two fused by
// reciprocal rank. Loaded once from the store into memory; reload after indexing.
import type { Embedder } from '../ports/model';
import { Bm25Index } from './bm25';
import { MAX_EMBED_CHARS } from './indexer';
import type { ChunkSource, SearchableStore, StoredChunk } from './memoryPort';
import { reciprocalRankFusion, type Ranked } from './ranking';
import { VectorIndex } from './vectorIndex';

export interface SearchHit {
  readonly chunk: StoredChunk;
  readonly score: number;
  /** Rank in each list it came from (1-based), for explaining a result. */
  readonly keywordRank?: number;
  readonly vectorRank?: number;
}

export interface SearchOptions {
  readonly limit?: number;
  readonly source?: ChunkSource;
  readonly signal?: AbortSignal;
  /** 'keyword' skips the embedder even when there is one. */
  readonly mode?: 'auto' | 'keyword';
}

export interface SearchResult {
  readonly hits: readonly SearchHit[];
  readonly mode: 'hybrid' | 'keyword';
  /** Why a hybrid search fell back to keywords, if it did. */
  readonly fallback?: string;
}

/** How deep each list goes before fusion: fusion needs more than the page it returns. */
const FUSION_DEPTH = 100;
/**
 * How much the vector ranking counts against the keyword ranking (1) in the fusion, picked on data: the
 * memory bench (bench/memory.bench.ts) tries several weights on half of its labelled queries and reports
 * the pick on the other half. With the only embedder it can run offline (a bag-of-words stand-in) every
 * weight above 0 lowers recall, so the pick is 0: vectors rank a query only when no keyword matches,
 * and hybrid is never below keyword-only. A real embedding model needs its own tuning run.
 */
export const DEFAULT_VECTOR_WEIGHT = 0;

export class MemorySearch {
  private constructor(
    readonly chunks: readonly StoredChunk[],
    private readonly keyword: Bm25Index,
    private readonly vectors: VectorIndex | undefined,
    private readonly embedder: Embedder | undefined,
  ) {}

  /** The embedder is used only if the store holds vectors in its space. */
  static load(store: SearchableStore, embedder?: Embedder): MemorySearch {
    const chunks = store.chunks();
    const keyword = new Bm25Index(chunks.map(searchableText));
    let vectors: VectorIndex | undefined;
    if (embedder) {
      const stored = store.vectors(embedder.id);
      if (stored.size) vectors = new VectorIndex(chunks.map((c) => stored.get(c.contentHash)));
    }
    return new MemorySearch(chunks, keyword, vectors, vectors ? embedder : undefined);
  }

  get size(): number {
    return this.chunks.length;
  }

  get hybrid(): boolean {
    return this.vectors !== undefined;
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    const limit = options.limit ?? 10;
    const source = options.source;
    const accept = source ? (doc: number) => this.chunks[doc]!.source === source : undefined;
    const keyword = this.keyword.search(query, FUSION_DEPTH, accept);
    if (!this.vectors || !this.embedder || options.mode === 'keyword') return { hits: this.hits(keyword.slice(0, limit), keyword, []), mode: 'keyword' };
    let q: Float32Array | undefined;
    try {
      q = (await this.embedder.embed([query.slice(0, MAX_EMBED_CHARS)], options.signal))[0];
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      const fallback = `${this.embedder.id}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      return { hits: this.hits(keyword.slice(0, limit), keyword, []), mode: 'keyword', fallback };
    }
    return this.searchVector(q ?? new Float32Array(0), keyword, limit, accept);
  }

  /** Hybrid ranking with an already embedded query (benchmarks time this without the network). */
  searchVector(query: Float32Array, keyword: readonly Ranked[], limit: number, accept?: (doc: number) => boolean, vectorWeight = DEFAULT_VECTOR_WEIGHT): SearchResult {
    const semantic = this.vectors?.search(query, FUSION_DEPTH, accept) ?? [];
    // no keyword matched at all: the vectors are all there is, whatever their weight
    const fused = reciprocalRankFusion([keyword, semantic], 60, [1, keyword.length ? vectorWeight : 1]).slice(0, limit);
    return { hits: this.hits(fused, keyword, semantic), mode: 'hybrid' };
  }

  keywordRanking(query: string, source?: ChunkSource): Ranked[] {
    return this.keyword.search(query, FUSION_DEPTH, source ? (doc) => this.chunks[doc]!.source === source : undefined);
  }

  private hits(ranked: readonly Ranked[], keyword: readonly Ranked[], semantic: readonly Ranked[]): SearchHit[] {
    const rankIn = (list: readonly Ranked[], doc: number) => {
      const i = list.findIndex((r) => r.doc === doc);
      return i < 0 ? undefined : i + 1;
    };
    return ranked.map((r) => {
      const keywordRank = rankIn(keyword, r.doc);
      const vectorRank = rankIn(semantic, r.doc);
      return { chunk: this.chunks[r.doc]!, score: r.score, ...(keywordRank ? { keywordRank } : {}), ...(vectorRank ? { vectorRank } : {}) };
    });
  }
}

/** Keywords see the path and symbol too: "where is the router" finds src/router.ts. */
export function searchableText(c: Pick<StoredChunk, 'path' | 'symbol' | 'text'>): string {
  return `${c.path} ${c.symbol ?? ''}\n${c.text}`;
}
