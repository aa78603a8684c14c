// How one (term, block) row of the keyword index stores its postings (keywordIndex.ts), by the format
// recorded in memory_meta ('keyword_index'):
//   1: uint16 offsets in the block, then each one's count (uint16), little-endian: 4 bytes a posting;
//   2: per posting, the gap from the previous offset (the first: the offset + 1) and the count, each an
//      unsigned LEB128 varint: 2 bytes a posting for most (the image a search loads is mostly postings).
// An index of format 1 is converted at its writer's next open (convertPostings); until then it is read,
// and written, in its own format.

export const POSTINGS_FORMAT = 2;

export interface Decoded {
  readonly offsets: Uint16Array;
  readonly counts: Uint16Array;
}

/** `merged`: offset → count. */
export function encodePostings(merged: ReadonlyMap<number, number>, format: number): Uint8Array {
  const offsets = [...merged.keys()].sort((a, b) => a - b);
  if (format === 1) {
    const out = new Uint16Array(offsets.length * 2);
    offsets.forEach((o, i) => {
      out[i] = o;
      out[offsets.length + i] = merged.get(o)!;
    });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  const out = new Uint8Array(offsets.length * 6);
  let at = 0;
  let previous = -1;
  for (const o of offsets) {
    at = putVarint(out, at, o - previous);
    at = putVarint(out, at, merged.get(o)!);
    previous = o;
  }
  return out.slice(0, at);
}

export function decodePostings(blob: Uint8Array, format: number): Decoded {
  if (format === 1) {
    const aligned = blob.byteOffset % 2 === 0 ? blob : blob.slice();
    const all = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >> 1);
    const k = all.length / 2;
    return { offsets: all.subarray(0, k), counts: all.subarray(k) };
  }
  const offsets = new Uint16Array(postingsCapacity(blob.length, format));
  const counts = new Uint16Array(offsets.length);
  const n = decodePostingsInto(blob, format, 0, offsets, counts, 0);
  return { offsets: offsets.subarray(0, n), counts: counts.subarray(0, n) };
}

/** Most postings a row of this many bytes can hold (format 2: at least a byte for the gap and one for the count). */
export function postingsCapacity(bytes: number, format: number): number {
  return format === 1 ? bytes >> 2 : bytes >> 1;
}

/**
 * Decodes a row straight into a term's arrays (no per-row arrays, one pass): chunk ids (`base` + the
 * offset) into `docs` and counts into `counts` from `at`, which must leave postingsCapacity() free.
 * Returns the next free index. What a query's postings cost in a fresh process is mostly these loops.
 */
export function decodePostingsInto(blob: Uint8Array, format: number, base: number, docs: Uint32Array | Uint16Array, counts: Uint16Array, at: number): number {
  if (format === 1) {
    const d = decodePostings(blob, 1);
    for (let i = 0; i < d.offsets.length; i++, at++) {
      docs[at] = base + d.offsets[i]!;
      counts[at] = d.counts[i]!;
    }
    return at;
  }
  let doc = base - 1;
  for (let i = 0; i < blob.length; at++) {
    let b = blob[i++]!;
    let gap = b & 0x7f;
    for (let shift = 7; b & 0x80; shift += 7) {
      b = blob[i++]!;
      gap |= (b & 0x7f) << shift;
    }
    b = blob[i++]!;
    let count = b & 0x7f;
    for (let shift = 7; b & 0x80; shift += 7) {
      b = blob[i++]!;
      count |= (b & 0x7f) << shift;
    }
    doc += gap;
    docs[at] = doc;
    counts[at] = count;
  }
  return at;
}

function putVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[at++] = value;
  return at;
}
