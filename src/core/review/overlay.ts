// Proposed lines shown in the file's own buffer (the inline view laid over it), followed through
// the document's changes so they can always be taken out again: before a save, and when the user
// edits the buffer. Model output is hostile input: what is taken out is exactly the proposed lines
// still as they were put in; a proposed line someone changed is reported, never guessed at.
import type { InlineView } from './inlineView';

/** One content change, in the coordinates of the document as it was just before it (VS Code applies a change event's changes in order). */
export interface TextChange {
  readonly startLine: number;
  readonly startChar: number;
  readonly endLine: number;
  readonly endChar: number;
  readonly text: string;
}

/** A hunk's proposed lines where the buffer has them now. */
export interface ProposedLines {
  readonly id: string;
  readonly start: number;
  readonly lines: readonly string[];
}

export interface OverlayTrack {
  readonly proposed: readonly ProposedLines[];
  /** Hunks whose proposed lines a change reached into: they stay in the buffer as the user left them. */
  readonly touched: readonly string[];
}

/** The proposed lines of an inline view laid over a file (each under the lines it replaces). */
export function overlayTrack(view: InlineView): OverlayTrack {
  const proposed = view.blocks.filter((b) => b.added > 0).map((b) => ({ id: b.id, start: b.start + b.removed, lines: view.lines.slice(b.start + b.removed, b.start + b.removed + b.added) }));
  return { proposed, touched: [] };
}

/** The overlay after the document's changes, applied in order. */
export function trackChanges(track: OverlayTrack, changes: readonly TextChange[]): OverlayTrack {
  return changes.reduce(trackOne, track);
}

function trackOne(track: OverlayTrack, c: TextChange): OverlayTrack {
  const breaks = c.text.split('\n');
  const added = breaks.length - 1;
  const delta = added - (c.endLine - c.startLine);
  // the first and last line of the change keep a proposed line whole only when the change adds
  // nothing to it: it ends with a line break before the line, or starts with one after it
  const endsBeforeLine = c.endChar === 0 && (added > 0 ? breaks[added] === '' : c.text === '' && c.startChar === 0);
  const startsAfterLine = added > 0 && breaks[0]!.replace(/\r$/, '') === '';
  const proposed: ProposedLines[] = [];
  const touched = [...track.touched];
  for (const p of track.proposed) {
    const last = p.start + p.lines.length - 1;
    if (c.endLine < p.start || (c.endLine === p.start && endsBeforeLine)) proposed.push({ ...p, start: p.start + delta });
    else if (c.startLine > last || (c.startLine === last && c.startChar >= p.lines[p.lines.length - 1]!.length && startsAfterLine)) proposed.push(p);
    else touched.push(p.id);
  }
  return { proposed, touched };
}

export interface TakeOut {
  /** Non-overlapping edits against `lines`, deleting the intact proposed lines. */
  readonly edits: readonly TextChange[];
  readonly removed: readonly string[];
  /** Hunks whose proposed lines were changed (or are no longer where the overlay put them): left in. */
  readonly touched: readonly string[];
}

/**
 * The edits that take the still-intact proposed lines out of a document with these lines (its
 * lines as the editor counts them: a final line break leaves a last empty line). A block is
 * removed only if every one of its lines is there, as it was put in.
 */
export function takeOut(track: OverlayTrack, lines: readonly string[]): TakeOut {
  const intact = track.proposed.filter((p) => p.start >= 0 && p.start + p.lines.length <= lines.length && p.lines.every((l, i) => lines[p.start + i] === l));
  const ids = new Set(intact.map((p) => p.id));
  const touched = [...track.touched, ...track.proposed.filter((p) => !ids.has(p.id)).map((p) => p.id)];
  // adjacent blocks (an insertion right under a replacement) go as one range, so no two edits overlap
  const runs: Array<{ start: number; end: number }> = [];
  for (const p of [...intact].sort((a, b) => a.start - b.start)) {
    const prev = runs[runs.length - 1];
    if (prev && prev.end === p.start) prev.end += p.lines.length;
    else runs.push({ start: p.start, end: p.start + p.lines.length });
  }
  const edits = runs.map(({ start, end }): TextChange => {
    if (end < lines.length) return { startLine: start, startChar: 0, endLine: end, endChar: 0, text: '' };
    // the last lines of a file without a final line break: the break before them goes with them
    const last = lines.length - 1;
    if (start > 0) return { startLine: start - 1, startChar: lines[start - 1]!.length, endLine: last, endChar: lines[last]!.length, text: '' };
    return { startLine: 0, startChar: 0, endLine: last, endChar: lines[last]!.length, text: '' };
  });
  return { edits, removed: intact.map((p) => p.id), touched };
}
