// A proposed file change split into hunks the user can take or leave one by one, and the text
// operations on a file's lines that accepting, previewing and rolling back are made of. Hunks are
// found again by their content (with a little context), never trusted to sit at a line number: the
// user keeps typing while a review is open, and earlier hunks shift later ones.
import type { Hunk } from '../../core/review/reviewTypes';
import { diffLines } from './lineDiff';

const CONTEXT = 2;

export type { Hunk } from '../../core/review/reviewTypes';

/** Replace lines [start, end) of a file with `lines`. */
export interface LineReplacement {
  readonly start: number;
  readonly end: number;
  readonly lines: readonly string[];
}

export function splitHunks(idPrefix: string, before: readonly string[], after: readonly string[]): Hunk[] {
  const seen = new Map<string, number>();
  return diffLines(before, after).map((c, index) => {
    const oldLines = before.slice(c.oldStart, c.oldEnd);
    const newLines = after.slice(c.newStart, c.newEnd);
    const digest = fnv1a(`${oldLines.join('\n')}\u0000${newLines.join('\n')}`);
    const n = seen.get(digest) ?? 0;
    seen.set(digest, n + 1);
    return {
      id: `${idPrefix}#${digest}${n ? `.${n}` : ''}`,
      index,
      oldStart: c.oldStart,
      oldLines,
      newLines,
      contextBefore: before.slice(Math.max(0, c.oldStart - CONTEXT), c.oldStart),
      contextAfter: before.slice(c.oldEnd, c.oldEnd + CONTEXT),
    };
  });
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function matchesAt(lines: readonly string[], at: number, seq: readonly string[]): boolean {
  if (at < 0 || at + seq.length > lines.length) return false;
  for (let i = 0; i < seq.length; i++) if (lines[at + i] !== seq[i]) return false;
  return true;
}

/** Every start where `seq` occurs, nearest to `near` first. */
function occurrences(lines: readonly string[], seq: readonly string[], near: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + seq.length <= lines.length; i++) if (matchesAt(lines, i, seq)) out.push(i);
  return out.sort((p, q) => Math.abs(p - near) - Math.abs(q - near));
}

/**
 * Where the hunk's old lines start in `lines` now (0-based), or undefined when they are gone (the
 * user changed them, or the hunk is already in). Tries the hunk with its context first, then
 * without it; among several places, the one nearest to `near`.
 */
export function locate(lines: readonly string[], hunk: Pick<Hunk, 'oldLines' | 'contextBefore' | 'contextAfter'>, near: number): number | undefined {
  const full = [...hunk.contextBefore, ...hunk.oldLines, ...hunk.contextAfter];
  const withContext = occurrences(lines, full, near - hunk.contextBefore.length);
  if (withContext.length) return withContext[0]! + hunk.contextBefore.length;
  if (hunk.oldLines.length === 0) {
    // a pure insertion: one side of the context is enough, or the very edge of the file
    const before = hunk.contextBefore.length ? occurrences(lines, hunk.contextBefore, near - hunk.contextBefore.length) : [];
    if (before.length) return before[0]! + hunk.contextBefore.length;
    const after = hunk.contextAfter.length ? occurrences(lines, hunk.contextAfter, near) : [];
    if (after.length) return after[0];
    return !hunk.contextBefore.length && !hunk.contextAfter.length ? Math.min(near, lines.length) : undefined;
  }
  return occurrences(lines, hunk.oldLines, near)[0];
}

export interface PlannedHunk<H> {
  readonly hunk: H;
  readonly start: number;
  /** Where its new lines start once every planned replacement is made. */
  readonly startAfter: number;
}

/**
 * Places each hunk in `lines` and returns the replacements that apply them together. A hunk that
 * cannot be found, or overlaps one placed before it, is a conflict and is left out.
 */
export function planHunks<H extends Hunk>(lines: readonly string[], hunks: readonly H[]): { replacements: LineReplacement[]; placed: PlannedHunk<H>[]; conflicts: H[] } {
  const placed: { hunk: H; start: number }[] = [];
  const conflicts: H[] = [];
  let shift = 0;
  for (const hunk of [...hunks].sort((p, q) => p.oldStart - q.oldStart)) {
    const start = locate(lines, hunk, hunk.oldStart + shift);
    if (start === undefined || placed.some((p) => overlaps(p.start, p.hunk.oldLines.length, start, hunk.oldLines.length))) {
      conflicts.push(hunk);
      continue;
    }
    shift = start - hunk.oldStart;
    placed.push({ hunk, start });
  }
  placed.sort((p, q) => p.start - q.start || p.hunk.oldLines.length - q.hunk.oldLines.length);
  let delta = 0;
  const out: PlannedHunk<H>[] = [];
  for (const p of placed) {
    out.push({ hunk: p.hunk, start: p.start, startAfter: p.start + delta });
    delta += p.hunk.newLines.length - p.hunk.oldLines.length;
  }
  return { replacements: placed.map((p) => ({ start: p.start, end: p.start + p.hunk.oldLines.length, lines: p.hunk.newLines })), placed: out, conflicts };
}

/** Two ranges of lines collide when they share a line, or insert at the same place, or one inserts inside the other. */
function overlaps(s1: number, n1: number, s2: number, n2: number): boolean {
  if (n1 === 0 && n2 === 0) return s1 === s2;
  if (n1 === 0) return s2 < s1 && s1 < s2 + n2;
  if (n2 === 0) return s1 < s2 && s2 < s1 + n1;
  return s1 < s2 + n2 && s2 < s1 + n1;
}

/** Makes non-overlapping replacements (any order) on a copy of `lines`; an insertion lands before a replacement at the same line. */
export function applyReplacements(lines: readonly string[], replacements: readonly LineReplacement[]): string[] {
  const out = [...lines];
  for (const r of [...replacements].sort((p, q) => q.start - p.start || q.end - p.end)) out.splice(r.start, r.end - r.start, ...r.lines);
  return out;
}

/** The replacements that turn `from` into `to`, touching only the lines that differ. */
export function replacementsBetween(from: readonly string[], to: readonly string[]): LineReplacement[] {
  return diffLines(from, to).map((c) => ({ start: c.oldStart, end: c.oldEnd, lines: to.slice(c.newStart, c.newEnd) }));
}
