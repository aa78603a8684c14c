// A line diff (Myers' O(ND) algorithm after trimming the common prefix and suffix): the changed
// regions between two texts, as half-open line ranges. The editor splits a proposed file change
// into hunks with it, and turns "the text this file should have" into minimal range edits.

export interface LineChange {
  /** 0-based, half-open: a[oldStart, oldEnd) becomes b[newStart, newEnd). */
  readonly oldStart: number;
  readonly oldEnd: number;
  readonly newStart: number;
  readonly newEnd: number;
}

/** Past this many differences the middle is reported as one change: a rewrite, not an edit. */
const MAX_EDIT_DISTANCE = 4000;

export function diffLines(a: readonly string[], b: readonly string[]): LineChange[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  if (midA.length === 0 && midB.length === 0) return [];
  const matches = myersMatches(midA, midB);
  const changes: LineChange[] = [];
  let x = 0;
  let y = 0;
  for (const [mx, my] of [...matches, [midA.length, midB.length] as const]) {
    if (mx > x || my > y) changes.push({ oldStart: prefix + x, oldEnd: prefix + mx, newStart: prefix + y, newEnd: prefix + my });
    x = mx + 1;
    y = my + 1;
  }
  return changes;
}

/** Matched line pairs (index in a, index in b) of a shortest edit script, in order. */
function myersMatches(a: readonly string[], b: readonly string[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    if (d > MAX_EDIT_DISTANCE) return [];
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m, d);
    }
  }
  return [];
}

function backtrack(trace: readonly Int32Array[], n: number, m: number, depth: number): [number, number][] {
  const out: [number, number][] = [];
  let x = n;
  let y = m;
  for (let d = depth; d > 0; d--) {
    const v = trace[d]!;
    const at = (k: number) => v[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) out.push([--x, --y]);
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) out.push([--x, --y]);
  return out.reverse();
}
