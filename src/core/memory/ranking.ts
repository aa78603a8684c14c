// Shared ranking helpers: the top k of a score array, and reciprocal-rank fusion of ranked lists.

export interface Ranked {
  readonly doc: number;
  readonly score: number;
}

/** The k best of `scores` over the candidate docs (all docs when `candidates` is omitted), best first. */
export function topK(scores: Float32Array, k: number, candidates?: ArrayLike<number>, count = candidates ? candidates.length : scores.length): Ranked[] {
  const docs: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < count; i++) {
    const doc = candidates ? candidates[i]! : i;
    const s = scores[doc]!;
    if (!(s > 0) && candidates) continue;
    if (docs.length === k && s <= vals[k - 1]!) continue;
    // insertion into a short sorted list: k is small (tens), the scan is the cost
    let j = Math.min(docs.length, k - 1);
    if (docs.length < k) {
      docs.push(doc);
      vals.push(s);
    }
    while (j > 0 && vals[j - 1]! < s) {
      docs[j] = docs[j - 1]!;
      vals[j] = vals[j - 1]!;
      j--;
    }
    docs[j] = doc;
    vals[j] = s;
  }
  return docs.map((doc, i) => ({ doc, score: vals[i]! }));
}

/**
 * Reciprocal-rank fusion (Cormack et al. 2009): score = sum of weight / (k + rank) over the lists. A
 * list's weight says how far to trust it: 1 each is plain RRF.
 */
export function reciprocalRankFusion(lists: readonly (readonly Ranked[])[], k = 60, weights: readonly number[] = []): Ranked[] {
  const fused = new Map<number, number>();
  lists.forEach((list, i) => {
    const w = weights[i] ?? 1;
    if (w > 0) list.forEach((r, rank) => fused.set(r.doc, (fused.get(r.doc) ?? 0) + w / (k + rank + 1)));
  });
  return [...fused].map(([doc, score]) => ({ doc, score })).sort((a, b) => b.score - a.score || a.doc - b.doc);
}
