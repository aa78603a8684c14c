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
  const offsets = new Uint16Array(blob.length >> 1);
  const counts = new Uint16Array(blob.length >> 1);
  let n = 0;
  let previous = -1;
  for (let at = 0; at < blob.length; n++) {
    let gap = 0;
    let shift = 0;
    let b: number;
    do {
      b = blob[at++]!;
      gap |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    let count = 0;
    shift = 0;
    do {
      b = blob[at++]!;
      count |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    previous += gap;
    offsets[n] = previous;
    counts[n] = count;
  }
  return { offsets: offsets.subarray(0, n), counts: counts.subarray(0, n) };
}

function putVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[at++] = value;
  return at;
}
