// Finds where a block of old text sits in a file, tolerating what models get wrong, and refusing
// whenever the answer is not unique. Strategies run strictest first; the first that finds anything
// decides: one place is a match, several are an ambiguity (never "the first occurrence").

export type Strategy = 'exact' | 'trailing-whitespace' | 'reindent' | 'fuzzy-context';

export interface Located {
  readonly kind: 'match';
  readonly strategy: Strategy;
  /** 0-based index of the first file line of the region. */
  readonly start: number;
  /** Number of file lines the region spans. */
  readonly length: number;
  /** Leading context lines (of the search) the region leaves out, for fuzzy-context. */
  readonly trimmedHead: number;
  readonly trimmedTail: number;
  /** Whitespace to add (+) or remove (-) at the start of each replacement line. */
  readonly indent: IndentShift | undefined;
}

export interface IndentShift {
  readonly add: string;
  readonly remove: string;
}

export interface Refused {
  readonly kind: 'ambiguous' | 'not-found';
  readonly strategy?: Strategy;
  /** 1-based first lines of the equally good places. */
  readonly candidates: readonly number[];
  readonly closest?: { readonly startLine: number; readonly endLine: number; readonly similarity: number };
}

export interface LocateOptions {
  /** 0-based line the model said the block starts at: breaks a tie only when it separates the candidates (see pickByHint). */
  readonly hint?: number;
  /** Lines of leading/trailing context that are allowed to be dropped (diff hunks only). */
  readonly context?: { readonly head: number; readonly tail: number };
}

const MAX_FUZZ = 2;
/** A hint decides only for a candidate this close to it... */
const HINT_NEAR = 20;
/** ...when every other candidate is at least this many lines farther away, and at least twice as far. */
const HINT_MARGIN = 10;

export function locate(file: readonly string[], search: readonly string[], options: LocateOptions = {}): Located | Refused {
  if (search.length === 0 || search.every((l) => l.trim() === '')) return { kind: 'not-found', candidates: [] };
  const tries: Array<[Strategy, (at: number) => IndentShift | undefined | false]> = [
    ['exact', (at) => (matchesAt(file, search, at, (a, b) => a === b) ? undefined : false)],
    ['trailing-whitespace', (at) => (matchesAt(file, search, at, (a, b) => a.trimEnd() === b.trimEnd()) ? undefined : false)],
    ['reindent', (at) => reindentAt(file, search, at)],
  ];
  for (const [strategy, test] of tries) {
    const found = scan(file, search.length, test);
    const decided = decide(found, strategy, search.length, options.hint, 0, 0);
    if (decided) return decided;
  }
  const fuzzy = fuzzyContext(file, search, options);
  if (fuzzy) return fuzzy;
  return { kind: 'not-found', candidates: [], closest: closestRegion(file, search) };
}

function scan(file: readonly string[], length: number, test: (at: number) => IndentShift | undefined | false): Array<{ at: number; indent: IndentShift | undefined }> {
  const found: Array<{ at: number; indent: IndentShift | undefined }> = [];
  for (let at = 0; at + length <= file.length; at++) {
    const r = test(at);
    if (r !== false) found.push({ at, indent: r });
  }
  return found;
}

function decide(
  found: Array<{ at: number; indent: IndentShift | undefined }>,
  strategy: Strategy,
  length: number,
  hint: number | undefined,
  trimmedHead: number,
  trimmedTail: number,
): Located | Refused | undefined {
  if (found.length === 0) return undefined;
  const pick = found.length === 1 ? found[0] : hint === undefined ? undefined : pickByHint(found, hint + trimmedHead);
  if (!pick) return { kind: 'ambiguous', strategy, candidates: found.map((f) => f.at + 1) };
  return { kind: 'match', strategy, start: pick.at, length, trimmedHead, trimmedTail, indent: pick.indent };
}

/**
 * Several places match: the line-number hint decides, as it does for git apply and GNU patch, but only
 * when it separates them. The nearest candidate wins if it sits where the hint says, or within HINT_NEAR
 * lines while every other one is both HINT_MARGIN lines farther and twice as far. A hint midway between
 * two copies, or far from all of them, says nothing about which one was meant: refuse.
 */
function pickByHint<T extends { at: number }>(found: readonly T[], hint: number): T | undefined {
  const byDistance = found.map((f) => ({ f, d: Math.abs(f.at - hint) })).sort((a, b) => a.d - b.d);
  const [first, second] = byDistance;
  if (!first || !second) return first?.f;
  if (first.d === 0 && second.d > 0) return first.f;
  if (first.d > HINT_NEAR) return undefined;
  return second.d >= first.d + HINT_MARGIN && second.d >= 2 * first.d ? first.f : undefined;
}

function matchesAt(file: readonly string[], search: readonly string[], at: number, eq: (a: string, b: string) => boolean): boolean {
  for (let i = 0; i < search.length; i++) if (!eq(file[at + i]!, search[i]!)) return false;
  return true;
}

/** The search matches if every non-blank line carries the same extra (or missing) leading whitespace. */
function reindentAt(file: readonly string[], search: readonly string[], at: number): IndentShift | false {
  let shift: IndentShift | undefined;
  for (let i = 0; i < search.length; i++) {
    const s = search[i]!.trimEnd();
    const f = file[at + i]!.trimEnd();
    if (s === '' && f === '') continue;
    if (s === '' || f === '') return false;
    let lineShift: IndentShift;
    if (f.endsWith(s)) lineShift = { add: f.slice(0, f.length - s.length), remove: '' };
    else if (s.endsWith(f)) lineShift = { add: '', remove: s.slice(0, s.length - f.length) };
    else return false;
    if (lineShift.add.trim() !== '' || lineShift.remove.trim() !== '') return false;
    if (!shift) shift = lineShift;
    else if (shift.add !== lineShift.add || shift.remove !== lineShift.remove) return false;
  }
  if (!shift || (shift.add === '' && shift.remove === '')) return false;
  return shift;
}

/**
 * For diff hunks whose outer context has changed since the model read the file: drop up to two
 * context lines from the ends, as GNU patch's fuzz does, but only while what remains still holds
 * every changed line and at least three lines, and still matches exactly one place.
 */
function fuzzyContext(file: readonly string[], search: readonly string[], options: LocateOptions): Located | Refused | undefined {
  const ctx = options.context;
  if (!ctx) return undefined;
  for (let fuzz = 1; fuzz <= MAX_FUZZ; fuzz++) {
    for (const [head, tail] of [[fuzz, fuzz], [fuzz, 0], [0, fuzz]] as const) {
      if (head > ctx.head || tail > ctx.tail) continue;
      const inner = search.slice(head, search.length - tail);
      if (inner.length < 3) continue;
      const found = scan(file, inner.length, (at) => (matchesAt(file, inner, at, (a, b) => a.trimEnd() === b.trimEnd()) ? undefined : false));
      const hint = options.hint !== undefined ? options.hint : undefined;
      const decided = decide(found, 'fuzzy-context', inner.length, hint, head, tail);
      if (decided) return decided;
    }
  }
  return undefined;
}

/** The window of the file most like the search, by line-level similarity, to help the author repair. */
export function closestRegion(file: readonly string[], search: readonly string[]): { startLine: number; endLine: number; similarity: number } | undefined {
  if (file.length === 0) return undefined;
  const len = Math.min(search.length, file.length);
  const wanted = search.map(normalize);
  let best = { at: 0, score: -1 };
  for (let at = 0; at + len <= file.length; at++) {
    let score = 0;
    for (let i = 0; i < len; i++) score += lineSimilarity(normalize(file[at + i]!), wanted[i]!);
    if (score > best.score) best = { at, score };
  }
  return { startLine: best.at + 1, endLine: best.at + len, similarity: Math.round((best.score / search.length) * 100) / 100 };
}

function normalize(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

/** Dice coefficient over character bigrams: cheap and good enough to point at a region. */
function lineSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < 2 || b.length < 2) return 0;
  const grams = new Map<string, number>();
  for (let i = 0; i < a.length - 1; i++) {
    const g = a.slice(i, i + 2);
    grams.set(g, (grams.get(g) ?? 0) + 1);
  }
  let overlap = 0;
  for (let i = 0; i < b.length - 1; i++) {
    const g = b.slice(i, i + 2);
    const n = grams.get(g) ?? 0;
    if (n > 0) {
      overlap++;
      grams.set(g, n - 1);
    }
  }
  return (2 * overlap) / (a.length - 1 + b.length - 1);
}
