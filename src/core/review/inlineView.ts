// The inline review's layout: the file as it is, with each pending hunk's proposed lines placed
// right under the lines they would replace, as Continue and Cursor show a change (removed lines red,
// proposed lines green). A view only: the file itself is never touched by it, so what is on disk
// and what the review log says stay the same until the user decides.

export interface InlineHunk {
  readonly id: string;
  /** 0-based first line of the file the hunk replaces (or inserts before). */
  readonly line: number;
  readonly removed: number;
  readonly newLines: readonly string[];
}

/** Where one hunk sits in the inline view: its removed lines, then its proposed lines. */
export interface InlineBlock {
  readonly id: string;
  readonly start: number;
  readonly removed: number;
  readonly added: number;
}

export interface InlineView {
  readonly lines: readonly string[];
  readonly blocks: readonly InlineBlock[];
}

/** Hunks that overlap an earlier one (two runs proposing the same lines) are left out, not interleaved into each other. */
export function inlineView(file: readonly string[], hunks: readonly InlineHunk[]): InlineView {
  const lines: string[] = [];
  const blocks: InlineBlock[] = [];
  let at = 0;
  for (const h of [...hunks].sort((a, b) => a.line - b.line)) {
    if (h.line < at || h.line + h.removed > file.length) continue;
    for (; at < h.line; at++) lines.push(file[at]!);
    blocks.push({ id: h.id, start: lines.length, removed: h.removed, added: h.newLines.length });
    for (; at < h.line + h.removed; at++) lines.push(file[at]!);
    lines.push(...h.newLines);
  }
  for (; at < file.length; at++) lines.push(file[at]!);
  return { lines, blocks };
}

/** The block whose lines hold `line` of the view, else the nearest one below, else the last. */
export function blockAt(blocks: readonly InlineBlock[], line: number): InlineBlock | undefined {
  const inside = blocks.find((b) => line >= b.start && line < b.start + Math.max(1, b.removed + b.added));
  return inside ?? blocks.find((b) => b.start >= line) ?? blocks[blocks.length - 1];
}

/** The hunks' lines on the proposed side (every pending hunk taken): each earlier hunk shifts the later ones by what it adds minus what it removes. */
export function proposedBlocks(hunks: readonly InlineHunk[]): InlineBlock[] {
  let shift = 0;
  return [...hunks]
    .sort((a, b) => a.line - b.line)
    .map((h) => {
      const b = { id: h.id, start: h.line + shift, removed: 0, added: h.newLines.length };
      shift += h.newLines.length - h.removed;
      return b;
    });
}
