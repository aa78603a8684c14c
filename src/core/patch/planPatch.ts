// Works out, in memory, what a CodePatch does to each file: every edit located and applied to the
// file's current text, or refused with the reason and the places it considered. Nothing touches
// the disk here; applyPatch commits a plan, and the editor shows one as a diff.
import type { CodePatch, DiffHunk, FileEdit } from './codePatch';
import { blockLines, encodeFile, parseText, type Eol, type FileText } from './fileText';
import { locate, type IndentShift, type Located, type Strategy } from './locate';
import { checkPathText, PathRefusedError } from './pathRules';

export type EditStatus = 'applied' | 'refused';

export interface EditReport {
  readonly index: number;
  readonly path: string;
  readonly kind: FileEdit['kind'];
  readonly status: EditStatus;
  /** Per block or hunk, in order. */
  readonly steps: readonly StepReport[];
  readonly reason?: string;
}

export interface StepReport {
  readonly status: EditStatus;
  readonly strategy?: Strategy;
  /** 1-based lines of the region replaced, in the file as it was before this step. */
  readonly startLine?: number;
  readonly endLine?: number;
  readonly reason?: string;
  readonly candidates?: readonly number[];
  readonly closest?: { readonly startLine: number; readonly endLine: number; readonly similarity: number };
}

export type FileAction = 'create' | 'modify' | 'delete' | 'rename';

export interface FilePlan {
  readonly path: string;
  readonly action: FileAction;
  /** For a rename: the path it came from. */
  readonly from?: string;
  readonly before?: string;
  readonly after?: string;
}

export interface PatchPlan {
  readonly ok: boolean;
  readonly edits: readonly EditReport[];
  readonly files: readonly FilePlan[];
}

/** What the planner knows of the workspace: a file's text (undefined when absent). */
export type FileSource = (path: string) => FileText | undefined;

export interface PlanOptions {
  /**
   * Checks a path the patch writes beyond the rules every plan applies (inside the workspace, no
   * protected name): throws a PathRefusedError. applyPatch passes its WriteGuard (links, `.git` files).
   */
  readonly checkPath?: (path: string) => void;
}

interface Slot {
  text: FileText | undefined;
  readonly original: FileText | undefined;
  from?: string;
}

export function planPatch(patch: CodePatch, source: FileSource, options: PlanOptions = {}): PatchPlan {
  const slots = new Map<string, Slot>();
  const slot = (p: string): Slot => {
    let s = slots.get(p);
    if (!s) {
      const original = source(p);
      s = { text: original && clone(original), original };
      slots.set(p, s);
    }
    return s;
  };
  const refusedPath = (p: string): string | undefined => {
    try {
      checkPathText(p);
      options.checkPath?.(p);
      return undefined;
    } catch (err) {
      if (err instanceof PathRefusedError) return err.message;
      throw err;
    }
  };
  const edits = patch.edits.map((edit, index) => {
    // a refused path is never read: the planner does not even look inside .git
    const refusal = (edit.kind === 'rename' ? [edit.path, edit.to] : [edit.path]).map(refusedPath).find((r) => r !== undefined);
    return refusal ? { index, path: edit.path, kind: edit.kind, status: 'refused' as const, reason: refusal, steps: [] } : planEdit(edit, index, slot);
  });
  const ok = edits.every((e) => e.status === 'applied');
  const files: FilePlan[] = [];
  const renamedAway = new Set([...slots.values()].filter((s) => s.from && s.text).map((s) => s.from!));
  for (const [path, s] of slots) {
    const before = s.original && (s.original.source ?? encodeFile(s.original)); // the original is never edited: its own text
    const after = s.text && encodeFile(s.text);
    if (before === after && !s.from) continue;
    if (after === undefined && renamedAway.has(path)) continue; // the rename's entry moves it
    if (s.from && after !== undefined) files.push({ path, action: 'rename', from: s.from, ...(after !== undefined ? { after } : {}) });
    else if (after === undefined) files.push({ path, action: 'delete', ...(before !== undefined ? { before } : {}) });
    else if (before === undefined) files.push({ path, action: 'create', after });
    else files.push({ path, action: 'modify', before, after });
  }
  return { ok, edits, files };
}

function planEdit(edit: FileEdit, index: number, slot: (p: string) => Slot): EditReport {
  const base = { index, path: edit.path, kind: edit.kind };
  const refuse = (reason: string, steps: StepReport[] = []): EditReport => ({ ...base, status: 'refused', reason, steps });
  const target = slot(edit.path);
  switch (edit.kind) {
    case 'create':
      if (target.text) {
        if (encodeFile(target.text) === encodeFile(parseText(edit.content, target.text.bom))) return { ...base, status: 'applied', steps: [] };
        return refuse(`${edit.path} already exists with other content; use a search/replace or whole-file edit`);
      }
      target.text = parseText(edit.content);
      return { ...base, status: 'applied', steps: [] };
    case 'replaceFile': {
      const next = parseText(edit.content);
      target.text = target.text ? { lines: next.lines, finalNewline: next.finalNewline, bom: target.text.bom, eol: target.text.eol } : next;
      return { ...base, status: 'applied', steps: [] };
    }
    case 'delete':
      if (!target.text) return refuse(`${edit.path} does not exist`);
      target.text = undefined;
      return { ...base, status: 'applied', steps: [] };
    case 'rename': {
      if (!target.text) return refuse(`${edit.path} does not exist`);
      const dest = slot(edit.to);
      if (dest.text) return refuse(`${edit.to} already exists`);
      dest.text = target.text;
      dest.from = edit.path;
      target.text = undefined;
      return { ...base, status: 'applied', steps: [] };
    }
    case 'searchReplace':
    case 'unifiedDiff': {
      const blocks = edit.kind === 'searchReplace' ? edit.blocks.map(fromSearchReplace) : edit.hunks.map(fromHunk);
      if (!target.text) {
        // An empty search on a missing file is how models write a new one.
        if (blocks.length === 1 && blocks[0]!.old.length === 0) {
          target.text = { lines: [...blocks[0]!.new], bom: false, eol: '\n', finalNewline: true };
          return { ...base, status: 'applied', steps: [{ status: 'applied' }] };
        }
        return refuse(`${edit.path} does not exist`);
      }
      const working = clone(target.text);
      const steps: StepReport[] = [];
      let delta = 0;
      for (const block of blocks) {
        const step = applyBlock(working, block, delta);
        steps.push(step.report);
        if (step.report.status === 'refused') return refuse(step.report.reason ?? 'a block did not apply', steps);
        delta += step.delta;
      }
      target.text = working;
      return { ...base, status: 'applied', steps };
    }
  }
}

interface Block {
  readonly old: readonly string[];
  readonly new: readonly string[];
  /** 0-based line the model believed the old text starts at. */
  readonly hint?: number;
  readonly context?: { head: number; tail: number };
  /** (old, new) indexes of lines the patch itself marks unchanged: a diff's context lines. */
  readonly unchanged?: ReadonlyArray<readonly [number, number]>;
  readonly noEolOld?: boolean;
  readonly noEolNew?: boolean;
}

/** Lines both sides begin or end with are context, which fuzzy matching may drop as for a hunk. */
function fromSearchReplace(b: { search: string; replace: string }): Block {
  const old = blockLines(b.search);
  const neu = blockLines(b.replace);
  let head = 0;
  while (head < old.length && head < neu.length && old[head] === neu[head]) head++;
  let tail = 0;
  while (tail < old.length - head && tail < neu.length - head && old[old.length - 1 - tail] === neu[neu.length - 1 - tail]) tail++;
  return { old, new: neu, context: { head, tail } };
}

function fromHunk(h: DiffHunk): Block {
  const old: string[] = [];
  const neu: string[] = [];
  let noEolOld = false;
  let noEolNew = false;
  const unchanged: Array<[number, number]> = [];
  let last: 'old' | 'new' | 'both' | undefined;
  for (const raw of h.lines) {
    const tag = raw[0] ?? ' ';
    const body = raw.slice(1);
    if (tag === '\\') {
      if (last === 'old' || last === 'both') noEolOld = true;
      if (last === 'new' || last === 'both') noEolNew = true;
    } else if (tag === '-') {
      old.push(body);
      last = 'old';
    } else if (tag === '+') {
      neu.push(body);
      last = 'new';
    } else {
      // a context line; models often drop the single space of an empty one
      old.push(raw === '' ? '' : body);
      neu.push(raw === '' ? '' : body);
      unchanged.push([old.length - 1, neu.length - 1]);
      last = 'both';
    }
  }
  const isContext = (l: string) => l === '' || l.startsWith(' ');
  let head = 0;
  while (head < h.lines.length && isContext(h.lines[head]!)) head++;
  let tail = 0;
  while (tail < h.lines.length - head && isContext(h.lines[h.lines.length - 1 - tail]!)) tail++;
  return {
    old,
    new: neu,
    context: { head, tail },
    unchanged,
    noEolOld,
    noEolNew,
    ...(h.oldStart !== undefined && h.oldStart > 0 ? { hint: h.oldStart - 1 } : {}),
  };
}

function applyBlock(file: FileText, block: Block, delta: number): { report: StepReport; delta: number } {
  if (block.old.length === 0) {
    if (file.lines.length === 0) {
      file.lines.push(...block.new);
      return { report: { status: 'applied', strategy: 'exact', startLine: 1, endLine: 0 }, delta: block.new.length };
    }
    return { report: { status: 'refused', reason: 'the block has no old text to anchor it in a non-empty file; include a few lines around the change' }, delta: 0 };
  }
  const hint = block.hint !== undefined ? Math.max(0, block.hint + delta) : undefined;
  const found = locate(file.lines, block.old, {
    ...(hint !== undefined ? { hint } : {}),
    ...(block.context ? { context: block.context } : {}),
  });
  if (found.kind !== 'match') {
    const reason =
      found.kind === 'ambiguous'
        ? `the old text matches ${found.candidates.length} places equally well (lines ${found.candidates.join(', ')})${hint !== undefined ? `, and its line number ${hint + 1} is not close to exactly one of them` : ''}; add surrounding lines to make it unique`
        : found.closest
          ? `the old text was not found; the closest region is lines ${found.closest.startLine}-${found.closest.endLine} (similarity ${found.closest.similarity})`
          : 'the old text was not found';
    return { report: { status: 'refused', reason, candidates: found.candidates, ...(found.closest ? { closest: found.closest } : {}) }, delta: 0 };
  }
  const region = file.lines.slice(found.start, found.start + found.length);
  const oldInner = block.old.slice(found.trimmedHead, block.old.length - found.trimmedTail);
  const newInner = block.new.slice(found.trimmedHead, block.new.length - found.trimmedTail);
  const pairs = unchangedPairs(block, oldInner, newInner, found);
  const replacement = carryUnchanged(pairs, newInner, region, found.indent);
  const endsAtEof = found.start + found.length === file.lines.length;
  if (file.eols) file.eols.splice(found.start, found.length, ...lineEnds(file, found, replacement.length, pairs));
  file.lines.splice(found.start, found.length, ...replacement);
  if (endsAtEof && (block.noEolOld || block.noEolNew)) file.finalNewline = !block.noEolNew;
  return {
    report: { status: 'applied', strategy: found.strategy, startLine: found.start + 1, endLine: found.start + found.length },
    delta: replacement.length - found.length,
  };
}

/**
 * In a file that mixes line endings, each new line keeps the ending of the old line it stands for
 * (the one it leaves unchanged, else the one at its place in the region), so an edit changes no
 * other line's ending.
 */
function lineEnds(file: FileText, found: Located, count: number, pairs: ReadonlyArray<readonly [number, number]>): Eol[] {
  const region = file.eols!.slice(found.start, found.start + found.length);
  const fallback = region[region.length - 1] ?? file.eol;
  const ends: Eol[] = Array.from({ length: count }, (_, n) => region[n] ?? fallback);
  for (const [o, n] of pairs) if (region[o]) ends[n] = region[o]!;
  return ends;
}

/**
 * Which new lines are old lines left unchanged, as (old, new) index pairs within the matched region.
 * A diff says so itself (its context lines); for search/replace text they are the lines common to
 * both sides, compared byte for byte after an exact match (so a whitespace-only change is kept)
 * and without trailing whitespace after a tolerant one.
 */
function unchangedPairs(block: Block, oldInner: readonly string[], newInner: readonly string[], found: Located): Array<readonly [number, number]> {
  if (block.unchanged) {
    const head = found.trimmedHead;
    return block.unchanged
      .map(([o, n]) => [o - head, n - head] as const)
      .filter(([o, n]) => o >= 0 && o < oldInner.length && n >= 0 && n < newInner.length);
  }
  const key = found.strategy === 'exact' ? (l: string) => l : (l: string) => l.trimEnd();
  return lcsPairs(oldInner.map(key), newInner.map(key));
}

/**
 * New lines the model left unchanged keep the file's exact bytes (its trailing whitespace, its
 * indentation); lines it changed are re-indented by the shift the match found.
 */
function carryUnchanged(pairs: ReadonlyArray<readonly [number, number]>, newLines: readonly string[], region: readonly string[], indent: IndentShift | undefined): string[] {
  const out: string[] = newLines.map((l) => shift(l, indent));
  for (const [o, n] of pairs) out[n] = region[o]!;
  return out;
}

function shift(line: string, indent: IndentShift | undefined): string {
  if (!indent || line.trim() === '') return line;
  let l = line;
  if (indent.remove && l.startsWith(indent.remove)) l = l.slice(indent.remove.length);
  return indent.add + l;
}

/** Index pairs (old, new) of a longest common subsequence of equal lines. */
function lcsPairs(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  // the table is n*m: a hostile block of 10k by 10k lines would take 400 MB. Past a bound, only the
  // lines common to both ends are kept (what a model's edit usually leaves alone).
  if ((n + 1) * (m + 1) > MAX_LCS_CELLS) return commonEnds(a, b);
  const dp = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i * (m + 1) + j] = a[i] === b[j] ? dp[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(dp[(i + 1) * (m + 1) + j]!, dp[i * (m + 1) + j + 1]!);
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (dp[(i + 1) * (m + 1) + j]! >= dp[i * (m + 1) + j + 1]!) i++;
    else j++;
  }
  return pairs;
}

const MAX_LCS_CELLS = 4_000_000;

function commonEnds(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) pairs.push([head, head++]);
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) {
    pairs.push([a.length - 1 - tail, b.length - 1 - tail]);
    tail++;
  }
  return pairs;
}

function clone(t: FileText): FileText {
  return { lines: [...t.lines], bom: t.bom, eol: t.eol, ...(t.eols ? { eols: [...t.eols] } : {}), finalNewline: t.finalNewline };
}
