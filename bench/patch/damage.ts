// Damages a clean patch the ways model output is damaged, and says what applying it must give:
// the new version byte for byte, or (for an ambiguous patch) a refusal.
import { mulberry32 } from '../../src/core/router/router';
import type { FileChange } from './corpus';
import { gitHeader, renderDiff, renderSearchReplace, textLines, type Block, type Hunk } from './hunks';

export type Format = 'diff' | 'search-replace';

export const DAMAGE_KINDS = [
  'none',
  'wrong-line-numbers',
  'bare-headers',
  'wrong-hunk-counts',
  'no-a/b-prefixes',
  'trailing-ws-stripped',
  'trailing-ws-added',
  'indent-shift',
  'crlf-file-lf-patch',
  'edited-elsewhere',
  'outer-context-edited',
  'truncated-context',
  'duplicate-near-hint',
  'ambiguous-must-refuse',
  'ambiguous-midway-numbers',
] as const;
export type DamageKind = (typeof DAMAGE_KINDS)[number];

/**
 * Kinds whose right answer is this project's policy, not a fact about the patch: two copies of the
 * first hunk's text, where a near line-number hint decides (as git apply and GNU patch do) and a
 * hint that separates nothing means "refuse". Their results are reported apart from the totals.
 */
export const POLICY_KINDS: readonly DamageKind[] = ['duplicate-near-hint', 'ambiguous-must-refuse', 'ambiguous-midway-numbers'];

export interface Case {
  readonly id: string;
  readonly damage: DamageKind;
  readonly format: Format;
  readonly path: string;
  readonly patch: string;
  /** The target file as it is on disk when the patch arrives. */
  readonly before: string;
  /** What a correct apply leaves; null when the only right answer is to refuse. */
  readonly expected: string | null;
}

export interface CleanPatch {
  readonly change: FileChange;
  readonly hunks: readonly Hunk[];
  readonly blocks: readonly Block[] | undefined;
}

const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const oldSide = (l: string) => l[0] === ' ' || l[0] === '-';
const mapHunks = (hunks: readonly Hunk[], f: (line: string) => string): Hunk[] => hunks.map((h) => ({ ...h, lines: h.lines.map(f) }));

export function damageAll(clean: CleanPatch, seed: number): Case[] {
  const r = mulberry32(seed); // seeded: every run damages the same way
  const { change, hunks, blocks } = clean;
  const id = `${change.release}:${change.path}`;
  const cases: Case[] = [];
  const add = (damage: DamageKind, format: Format, patch: string | undefined, before = change.oldText, expected: string | null = change.newText) => {
    if (patch !== undefined) cases.push({ id, damage, format, path: change.path, patch, before, expected });
  };
  const diff = (hs: readonly Hunk[], style = {}) => renderDiff(change.path, hs, style);
  const sr = blocks && ((search?: (b: Block) => string[]) => renderSearchReplace(change.path, blocks, search));
  const srWith = (bs: readonly Block[] | undefined) => bs && renderSearchReplace(change.path, bs);

  add('none', 'diff', diff(hunks));
  add('none', 'search-replace', sr?.());

  const shifted = hunks.map((h) => {
    const off = (r() < 0.5 ? -1 : 1) * (r() < 0.5 ? int(r, 3, 20) : int(r, 50, 300));
    const start = Math.max(1, h.oldStart + off);
    return { ...h, oldStart: start, newStart: Math.max(1, h.newStart + (start - h.oldStart)) };
  });
  add('wrong-line-numbers', 'diff', diff(shifted));
  add('bare-headers', 'diff', diff(hunks, { header: () => '@@ ... @@' }));
  const miscounted = hunks.map((h) => ({ ...h, oldCount: Math.max(0, h.oldCount + int(r, 1, 3) * (r() < 0.5 ? -1 : 1)), newCount: h.newCount + int(r, 1, 3) }));
  add('wrong-hunk-counts', 'diff', diff(miscounted));
  add('no-a/b-prefixes', 'diff', diff(hunks, { prefixes: false }));

  // An editor or a model that trims lines: blank context lines lose their single space too.
  const stripped = mapHunks(hunks, (l) => (oldSide(l) ? l.trimEnd() : l));
  if (stripped.some((h, i) => h.lines.some((l, j) => l !== hunks[i]!.lines[j]))) add('trailing-ws-stripped', 'diff', diff(stripped));
  if (sr && blocks!.some((b) => b.oldMid.some((l) => l !== l.trimEnd()))) add('trailing-ws-stripped', 'search-replace', sr((b) => [...b.before, ...b.oldMid, ...b.after].map((l) => l.trimEnd())));
  add('trailing-ws-added', 'diff', diff(mapHunks(hunks, (l) => (oldSide(l) ? l + ' ' : l))));
  add('trailing-ws-added', 'search-replace', sr?.((b) => [...b.before, ...b.oldMid, ...b.after].map((l) => l + ' ')));

  add('indent-shift', 'diff', diff(hunks.map(reindentHunk)));
  add('indent-shift', 'search-replace', srWith(blocks?.map(reindentBlock)));

  const crlf = (t: string) => t.replace(/\n/g, '\r\n');
  add('crlf-file-lf-patch', 'diff', diff(hunks), crlf(change.oldText), crlf(change.newText));
  add('crlf-file-lf-patch', 'search-replace', sr?.(), crlf(change.oldText), crlf(change.newText));

  const elsewhere = editElsewhere(change, hunks);
  if (elsewhere) {
    add('edited-elsewhere', 'diff', diff(hunks), elsewhere.before, elsewhere.expected);
    add('edited-elsewhere', 'search-replace', sr?.(), elsewhere.before, elsewhere.expected);
  }

  const edited = editOuterContext(change, hunks, blocks);
  if (edited?.diff) add('outer-context-edited', 'diff', diff(hunks), edited.diff.before, edited.diff.expected);
  if (edited?.sr) add('outer-context-edited', 'search-replace', sr?.(), edited.sr.before, edited.sr.expected);

  // Output cut short: each hunk's trailing context is gone, the header still counts it.
  const truncated = hunks.map((h) => {
    const lines = [...h.lines];
    while (lines.length > 0 && lines[lines.length - 1]![0] === ' ' && lines.some((l) => l[0] === '-' || l[0] === '+')) lines.pop();
    return { ...h, lines };
  });
  if (truncated.some((h, i) => h.lines.length !== hunks[i]!.lines.length)) add('truncated-context', 'diff', diff(truncated, { header: gitHeader }));

  // The first change's old text also sits elsewhere, and the patch carries no line numbers.
  const first = hunks[0]!.lines.filter(oldSide).map((l) => l.slice(1));
  if (first.length > 0 && change.oldText.endsWith('\n')) {
    const twice = change.oldText + first.join('\n') + '\n';
    // The copy sits at the end, at least 50 lines past the first hunk; its header is 1–5 lines off the
    // original place: the hint is near one copy and far from the other, so it decides.
    const lines = textLines(change.oldText).length;
    if (lines - (hunks[0]!.oldStart - 1) >= 50) {
      const off = (r() < 0.5 ? -1 : 1) * int(r, 1, 5);
      const start = Math.max(1, hunks[0]!.oldStart + off);
      add('duplicate-near-hint', 'diff', diff([{ ...hunks[0]!, oldStart: start, newStart: Math.max(1, hunks[0]!.newStart + (start - hunks[0]!.oldStart)) }, ...hunks.slice(1)]), twice, change.newText + first.join('\n') + '\n');
    }
    add('ambiguous-must-refuse', 'diff', diff(hunks, { header: () => '@@ ... @@' }), twice, null);
    // Same, with the first hunk's line number halfway between the two places: a guess either way.
    const midway = Math.round((hunks[0]!.oldStart + textLines(change.oldText).length + 1) / 2);
    add('ambiguous-midway-numbers', 'diff', diff([{ ...hunks[0]!, oldStart: midway, newStart: midway }, ...hunks.slice(1)]), twice, null);
  }
  if (sr && change.oldText.endsWith('\n')) {
    const b = blocks![0]!;
    add('ambiguous-must-refuse', 'search-replace', sr(), change.oldText + [...b.before, ...b.oldMid, ...b.after].join('\n') + '\n', null);
  }
  return cases;
}

/** Takes away the block's common indentation, or adds two spaces when it has none. */
function reindent(lines: readonly string[]): string[] {
  const nonBlank = lines.filter((l) => l.trim() !== '');
  if (nonBlank.length === 0) return [...lines];
  let common = /^[ \t]*/.exec(nonBlank[0]!)![0];
  for (const l of nonBlank) while (!l.startsWith(common)) common = common.slice(0, -1);
  return lines.map((l) => (l.trim() === '' ? l : common ? l.slice(common.length) : '  ' + l));
}

function reindentHunk(h: Hunk): Hunk {
  const body = h.lines.filter((l) => l[0] !== '\\');
  const shifted = reindent(body.map((l) => l.slice(1)));
  let i = 0;
  return { ...h, lines: h.lines.map((l) => (l[0] === '\\' ? l : l[0]! + shifted[i++]!)) };
}

function reindentBlock(b: Block): Block {
  const all = reindent([...b.before, ...b.oldMid, ...b.newMid, ...b.after]);
  let i = 0;
  const take = (n: number) => all.slice(i, (i += n));
  return { before: take(b.before.length), oldMid: take(b.oldMid.length), newMid: take(b.newMid.length), after: take(b.after.length) };
}

const LOCAL_EDIT = ['/*', ' * Local change made after the model read this file.', ' */'];

/** Three lines added well away from every hunk, as early in the file as possible so numbers go stale. */
function editElsewhere(change: FileChange, hunks: readonly Hunk[]): { before: string; expected: string } | undefined {
  const oldLines = textLines(change.oldText);
  const gap = 6;
  const regions = hunks.map((h) => [h.oldStart - 1 - gap, h.oldStart - 1 + h.oldCount + gap] as const);
  let at = -1;
  for (let l = 0; l < oldLines.length && at < 0; l++) if (regions.every(([s, e]) => l <= s || l >= e)) at = l;
  if (at < 0) return undefined;
  const shift = hunks.filter((h) => h.oldStart - 1 + h.oldCount <= at).reduce((d, h) => d + h.newCount - h.oldCount, 0);
  const insert = (text: string, line: number) => {
    const lines = textLines(text);
    if (line >= lines.length) return undefined;
    lines.splice(line, 0, ...LOCAL_EDIT);
    return lines.join('\n') + (text.endsWith('\n') ? '\n' : '');
  };
  const before = insert(change.oldText, at);
  const expected = insert(change.newText, at + shift);
  return before !== undefined && expected !== undefined ? { before, expected } : undefined;
}

type Edited = { before: string; expected: string };

/**
 * Someone changed the first line the patch shows around the first change (a context line) since
 * the model read the file: the same line changes in the old and the new version.
 */
function editOuterContext(change: FileChange, hunks: readonly Hunk[], blocks: readonly Block[] | undefined): { diff?: Edited; sr?: Edited } | undefined {
  const h = hunks[0]!;
  if (h.oldCount === 0 || h.lines[0]?.[0] !== ' ') return undefined;
  const at = (line: number): Edited => {
    const edit = (text: string) => {
      const lines = textLines(text);
      lines[line] = lines[line] + ' // edited since';
      return lines.join('\n') + (text.endsWith('\n') ? '\n' : '');
    };
    return { before: edit(change.oldText), expected: edit(change.newText) };
  };
  const first = blocks?.[0];
  const srLine = first ? h.oldStart - 1 - first.before.length : -1;
  return { diff: at(h.oldStart - 1), ...(first && srLine >= 0 ? { sr: at(srLine) } : {}) };
}
