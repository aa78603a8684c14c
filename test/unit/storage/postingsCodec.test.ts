// The keyword index's postings rows (src/storage/postingsCodec.ts), in both formats: what is encoded
// decodes to the same offsets and counts, row by row or straight into a term's arrays across blocks
// (what a query reads), multi-byte varints included (offsets past 127, counts past 127 and 16383).
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { decodePostings, decodePostingsInto, encodePostings, postingsCapacity } from '../../../src/storage/postingsCodec';

const BLOCK = 1024;
const row = fc.dictionary(fc.integer({ min: 0, max: BLOCK - 1 }).map(String), fc.oneof(fc.integer({ min: 1, max: 127 }), fc.integer({ min: 128, max: 65_535 })), { maxKeys: 300 });

describe('postings rows', () => {
  for (const format of [1, 2]) {
    it(`format ${format}: encoded rows decode to what was written, alone and appended across blocks`, () => {
      fc.assert(
        fc.property(fc.array(row, { minLength: 1, maxLength: 6 }), (rows) => {
          const blocks = rows.map((r) => new Map(Object.entries(r).map(([o, c]) => [Number(o), c] as [number, number])));
          const encoded = blocks.map((b) => encodePostings(b, format));
          const expected: [number, number][] = [];
          blocks.forEach((b, k) => {
            const sorted = [...b].sort(([x], [y]) => x - y);
            const one = decodePostings(encoded[k]!, format);
            assert.deepEqual([...one.offsets], sorted.map(([o]) => o));
            assert.deepEqual([...one.counts], sorted.map(([, c]) => c));
            for (const [o, c] of sorted) expected.push([k * 7 * BLOCK + o, c]);
          });
          const capacity = encoded.reduce((s, e) => s + postingsCapacity(e.length, format), 0);
          const docs = new Uint32Array(capacity);
          const counts = new Uint16Array(capacity);
          let at = 0;
          encoded.forEach((e, k) => (at = decodePostingsInto(e, format, k * 7 * BLOCK, docs, counts, at)));
          assert.deepEqual(
            Array.from(docs.subarray(0, at), (d, i) => [d, counts[i]!]),
            expected,
          );
        }),
        { numRuns: 200 },
      );
    });
  }
});
