// Okapi BM25 over an in-memory inverted index (the sql.js build has FTS4 but not FTS5, and FTS4 has
// no BM25 ranking). Postings are typed arrays; a query touches only the postings of its terms.
import { topK, type Ranked } from './ranking';
import { tokenize } from './terms';

const K1 = 1.2;
const B = 0.75;

export class Bm25Index {
  private readonly terms = new Map<string, number>();
  private docs: Uint32Array[] = [];
  private freqs: Uint16Array[] = [];
  private readonly lengths: Float32Array;
  private readonly avgLength: number;
  private readonly scores: Float32Array;
  private readonly touched: Uint32Array;

  constructor(texts: readonly string[]) {
    const docs: number[][] = [];
    const freqs: number[][] = [];
    this.lengths = new Float32Array(texts.length);
    let total = 0;
    texts.forEach((text, doc) => {
      const counts = new Map<string, number>();
      const tokens = tokenize(text);
      for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
      this.lengths[doc] = tokens.length;
      total += tokens.length;
      for (const [term, n] of counts) {
        let id = this.terms.get(term);
        if (id === undefined) {
          id = docs.length;
          this.terms.set(term, id);
          docs.push([]);
          freqs.push([]);
        }
        docs[id]!.push(doc);
        freqs[id]!.push(Math.min(n, 65_535));
      }
    });
    this.docs = docs.map((d) => Uint32Array.from(d));
    this.freqs = freqs.map((f) => Uint16Array.from(f));
    this.avgLength = texts.length ? total / texts.length || 1 : 1;
    this.scores = new Float32Array(texts.length);
    this.touched = new Uint32Array(texts.length);
  }

  get size(): number {
    return this.lengths.length;
  }

  search(query: string, k: number, accept?: (doc: number) => boolean): Ranked[] {
    const n = this.lengths.length;
    const ids = [...new Set(tokenize(query))].map((t) => this.terms.get(t)).filter((id): id is number => id !== undefined);
    let touched = 0;
    for (const id of ids) {
      const docs = this.docs[id]!;
      const freqs = this.freqs[id]!;
      const idf = Math.log(1 + (n - docs.length + 0.5) / (docs.length + 0.5));
      for (let i = 0; i < docs.length; i++) {
        const doc = docs[i]!;
        const tf = freqs[i]!;
        if (this.scores[doc] === 0) this.touched[touched++] = doc;
        this.scores[doc]! += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * this.lengths[doc]!) / this.avgLength));
      }
    }
    if (accept) for (let i = 0; i < touched; i++) if (!accept(this.touched[i]!)) this.scores[this.touched[i]!] = 0;
    const best = topK(this.scores, k, this.touched, touched);
    for (let i = 0; i < touched; i++) this.scores[this.touched[i]!] = 0;
    return best;
  }
}
