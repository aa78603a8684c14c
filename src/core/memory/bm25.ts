// Okapi BM25 over the postings of a query's terms, as the store's keyword index hands them over
// (src/storage/keywordIndex.ts): only those postings and the chunk lengths are in memory, never the
// index. Scores accumulate in a typed array by chunk id; a query touches only its terms' postings.
import type { KeywordView } from './memoryPort';
import { topK, type Ranked } from './ranking';
import { tokenize } from './terms';

const K1 = 1.2;
const B = 0.75;

/** The query's distinct terms, as the index stores them. */
export function queryTerms(query: string): string[] {
  return [...new Set(tokenize(query))];
}

/** The k best chunks for these terms, best first; `source` (1 file, 2 run) keeps only that source. */
export function rankBm25(view: KeywordView, terms: readonly string[], k: number, source?: number): Ranked[] {
  const scores = new Float32Array(view.lengths.length);
  const touched: number[] = [];
  for (const term of terms) {
    const p = view.postings.get(term);
    if (!p) continue;
    const df = p.docs.length;
    const idf = Math.log(1 + (view.n - df + 0.5) / (df + 0.5));
    for (let i = 0; i < df; i++) {
      const doc = p.docs[i]!;
      const tf = p.counts[i]!;
      if (scores[doc] === 0) touched.push(doc);
      scores[doc]! += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * view.lengths[doc]!) / view.avgLength));
    }
  }
  if (source !== undefined) for (const doc of touched) if (view.sources[doc] !== source) scores[doc] = 0;
  return topK(scores, k, touched);
}
