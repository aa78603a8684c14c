// A line diff: the changed regions between two texts, as half-open line ranges. The editor splits a
// proposed file change into hunks with it, and turns "the text this file should have" into minimal range
// edits. jsdiff's diffArrays (Myers' O(ND)) does the work; this only turns its runs into ranges.
import { diffArrays } from 'diff';

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
  const runs = diffArrays(midA, midB, { maxEditLength: MAX_EDIT_DISTANCE });
  if (!runs) return [{ oldStart: prefix, oldEnd: prefix + midA.length, newStart: prefix, newEnd: prefix + midB.length }];
  const changes: LineChange[] = [];
  let x = 0;
  let y = 0;
  let open: { x: number; y: number } | undefined;
  for (const run of runs) {
    if (!run.added && !run.removed) {
      if (open) changes.push({ oldStart: prefix + open.x, oldEnd: prefix + x, newStart: prefix + open.y, newEnd: prefix + y });
      open = undefined;
      x += run.count;
      y += run.count;
      continue;
    }
    open ??= { x, y };
    if (run.removed) x += run.count;
    else y += run.count;
  }
  if (open) changes.push({ oldStart: prefix + open.x, oldEnd: prefix + x, newStart: prefix + open.y, newEnd: prefix + y });
  return changes;
}
