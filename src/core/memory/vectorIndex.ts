// Cosine similarity over one Float32 matrix (the store's vectors of one embedder's space, by chunk id):
// rows are unit-normalized once, so a query is a single pass of dot products.
import type { VectorRows } from './memoryPort';
import { topK, type Ranked } from './ranking';

export class VectorIndex {
  readonly dims: number;
  readonly count: number;
  private readonly scores: Float32Array;
  /** Rows of a zero vector, which rank nowhere. */
  private readonly empty: Uint8Array;

  constructor(private readonly rows: VectorRows) {
    this.dims = rows.dims;
    this.count = rows.ids.length;
    this.scores = new Float32Array(this.count);
    this.empty = new Uint8Array(this.count);
    const m = rows.matrix;
    for (let r = 0, off = 0; r < this.count; r++, off += this.dims) {
      let norm = 0;
      for (let d = 0; d < this.dims; d++) norm += m[off + d]! * m[off + d]!;
      norm = Math.sqrt(norm);
      if (norm) for (let d = 0; d < this.dims; d++) m[off + d]! /= norm;
      else this.empty[r] = 1;
    }
  }

  /** Ranked by chunk id; `source` (1 file, 2 run) keeps only that source. */
  search(query: Float32Array, k: number, source?: number): Ranked[] {
    if (query.length !== this.dims || this.count === 0) return [];
    const norm = Math.sqrt(query.reduce((s, x) => s + x * x, 0)) || 1;
    const q = Float32Array.from(query, (x) => x / norm);
    dotAll(this.rows.matrix, q, this.scores, this.count, this.dims);
    // empty rows and rows of another source are dropped after the scan: the scan stays branch-free
    for (let row = 0; row < this.count; row++) if (this.empty[row] || (source !== undefined && this.rows.sources[row] !== source)) this.scores[row] = -Infinity;
    return topK(this.scores, k)
      .filter((r) => r.score > -Infinity)
      .map((r) => ({ doc: this.rows.ids[r.doc]!, score: r.score }));
  }
}

/**
 * scores[row] = matrix row · q for every row. Kept a small monomorphic function with four
 * independent accumulators, so the JIT pipelines the multiply-adds (about 1.7× the plain loop).
 */
function dotAll(m: Float32Array, q: Float32Array, scores: Float32Array, rows: number, dims: number): void {
  const body = dims - (dims % 4);
  for (let row = 0, off = 0; row < rows; row++, off += dims) {
    let a = 0;
    let b = 0;
    let c = 0;
    let e = 0;
    for (let d = 0; d < body; d += 4) {
      a += m[off + d]! * q[d]!;
      b += m[off + d + 1]! * q[d + 1]!;
      c += m[off + d + 2]! * q[d + 2]!;
      e += m[off + d + 3]! * q[d + 3]!;
    }
    for (let d = body; d < dims; d++) a += m[off + d]! * q[d]!;
    scores[row] = a + b + c + e;
  }
}
