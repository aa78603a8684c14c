// Search over everything the memory holds (file chunks and run memory): BM25 always, cosine when the
// store has vectors in the embedder's space and the query can be embedded, the two fused by weighted
// reciprocal rank. Nothing is loaded up front: each query reads its terms' postings from the store's
// keyword index and then only its hits' chunks; the vectors (one Float32 matrix) are read the first
// time a query needs them.
import type { Embedder } from '../ports/model';
import { queryTerms, rankBm25 } from './bm25';
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
  /** The vector ranking's weight in the fusion (DEFAULT_VECTOR_WEIGHT unless a bench tunes it). */
  readonly vectorWeight?: number;
}

export interface SearchResult {
  readonly hits: readonly SearchHit[];
  readonly mode: 'hybrid' | 'keyword';
  /** Why a hybrid search fell back to keywords, or why keywords could not rank, if so. */
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

const SOURCE_CODE: Record<ChunkSource, number> = { file: 1, run: 2 };

export class MemorySearch {
  private vectors: { version: string; index: VectorIndex } | undefined;

  private constructor(
    private readonly store: SearchableStore,
    private readonly embedderAsked: Embedder | undefined,
  ) {}

  /** Cheap: nothing is read until a query. */
  static load(store: SearchableStore, embedder?: Embedder): MemorySearch {
    return new MemorySearch(store, embedder);
  }

  /** Chunks in the memory. */
  get size(): number {
    return this.store.chunkCount();
  }

  /** Whether the store holds vectors in the embedder's space: then a query is hybrid. */
  get hybrid(): boolean {
    return this.embedder !== undefined;
  }

  private get embedder(): Embedder | undefined {
    return this.embedderAsked && this.store.hasVectors(this.embedderAsked.id) ? this.embedderAsked : undefined;
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    try {
      return await this.searchOnce(query, options);
    } catch (err) {
      // a long-kept reader whose image a writer replaced meanwhile: once more, on the fresh image
      if (await this.store.refreshAfter?.(err)) return this.searchOnce(query, options);
      throw err;
    }
  }

  private async searchOnce(query: string, options: SearchOptions): Promise<SearchResult> {
    const embedder = this.embedder;
    const limit = options.limit ?? 10;
    const source = options.source ? SOURCE_CODE[options.source] : undefined;
    const unavailable = this.store.keywordUnavailable();
    const terms = queryTerms(query);
    const keyword = unavailable ? [] : rankBm25(this.store.keywordView(terms), terms, FUSION_DEPTH, source);
    const note = unavailable ? { fallback: unavailable } : {};
    if (!embedder || options.mode === 'keyword') return { hits: this.hits(keyword.slice(0, limit), keyword, []), mode: 'keyword', ...note };
    const weight = options.vectorWeight ?? DEFAULT_VECTOR_WEIGHT;
    // At weight 0 the vectors rank only when no keyword matched: no embedding call, no scan otherwise.
    if (weight === 0 && keyword.length > 0) return { hits: this.hits(keyword.slice(0, limit), keyword, []), mode: 'hybrid', ...note };
    let q: Float32Array | undefined;
    try {
      q = (await embedder.embed([query.slice(0, MAX_EMBED_CHARS)], options.signal))[0];
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      const fallback = `${embedder.id}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      return { hits: this.hits(keyword.slice(0, limit), keyword, []), mode: 'keyword', fallback };
    }
    const semantic = this.vectorIndex(embedder.id).search(q ?? new Float32Array(0), FUSION_DEPTH, source);
    // no keyword matched at all: the vectors are all there is, whatever their weight
    const fused = reciprocalRankFusion([keyword, semantic], 60, [1, keyword.length ? weight : 1]).slice(0, limit);
    return { hits: this.hits(fused, keyword, semantic), mode: 'hybrid', ...note };
  }

  /** One Float32 matrix, read at the first query that needs it and again only once the store changed. */
  private vectorIndex(embedderId: string): VectorIndex {
    const version = `${embedderId}|${this.store.version()}`;
    if (this.vectors?.version !== version) this.vectors = { version, index: new VectorIndex(this.store.vectorRows(embedderId)) };
    return this.vectors.index;
  }

  private hits(ranked: readonly Ranked[], keyword: readonly Ranked[], semantic: readonly Ranked[]): SearchHit[] {
    const rankIn = (list: readonly Ranked[], doc: number) => {
      const i = list.findIndex((r) => r.doc === doc);
      return i < 0 ? undefined : i + 1;
    };
    const chunks = this.store.chunksById(ranked.map((r) => r.doc));
    return ranked.flatMap((r) => {
      const chunk = chunks.get(r.doc);
      if (!chunk) return [];
      const keywordRank = rankIn(keyword, r.doc);
      const vectorRank = rankIn(semantic, r.doc);
      return [{ chunk, score: r.score, ...(keywordRank ? { keywordRank } : {}), ...(vectorRank ? { vectorRank } : {}) }];
    });
  }
}
