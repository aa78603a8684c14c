// Turns what a model (or a user) wrote into a CodePatch: a CodePatch as JSON, a unified diff (git
// style or plain, with or without a/ b/ prefixes, with wrong or missing line numbers), or
// SEARCH/REPLACE blocks (optionally inside ``` fences). The format is detected, not declared.
import { CodePatchSchema, type CodePatch, type DiffHunk, type FileEdit } from './codePatch';

export class PatchParseError extends Error {}

export function parsePatchText(text: string): CodePatch {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (err) {
      throw new PatchParseError(`the patch looks like JSON but does not parse: ${(err as Error).message}`);
    }
    const parsed = CodePatchSchema.safeParse(json);
    if (!parsed.success) throw new PatchParseError(`the JSON is not a CodePatch: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return parsed.data;
  }
  const normalized = text.replace(/\r\n/g, '\n');
  if (/^<{5,9} SEARCH\s*$/m.test(normalized)) return { summary: 'search/replace edits', edits: parseSearchReplace(normalized) };
  if (/^(--- |\+\+\+ |@@|diff --git )/m.test(normalized)) return { summary: 'unified diff', edits: parseUnifiedDiff(normalized) };
  throw new PatchParseError('no patch found: expected a CodePatch JSON, a unified diff or SEARCH/REPLACE blocks');
}

function parseSearchReplace(text: string): FileEdit[] {
  const lines = text.split('\n');
  const edits: FileEdit[] = [];
  let currentPath: string | undefined;
  let lastNonEmpty: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^<{5,9} SEARCH\s*$/.test(line)) {
      const candidate = lastNonEmpty && cleanPath(lastNonEmpty);
      if (candidate) currentPath = candidate;
      if (!currentPath) throw new PatchParseError(`line ${i + 1}: a SEARCH block with no file path before it`);
      const search: string[] = [];
      const replace: string[] = [];
      let j = i + 1;
      while (j < lines.length && !/^={5,9}\s*$/.test(lines[j]!)) search.push(lines[j++]!);
      if (j >= lines.length) throw new PatchParseError(`line ${i + 1}: SEARCH block without a ======= divider`);
      j++;
      while (j < lines.length && !/^>{5,9} REPLACE\s*$/.test(lines[j]!)) replace.push(lines[j++]!);
      if (j >= lines.length) throw new PatchParseError(`line ${i + 1}: SEARCH block without a >>>>>>> REPLACE end`);
      const block = { search: joinBlock(search), replace: joinBlock(replace) };
      const last = edits[edits.length - 1];
      if (last && last.kind === 'searchReplace' && last.path === currentPath) last.blocks.push(block);
      else edits.push({ kind: 'searchReplace', path: currentPath, blocks: [block] });
      i = j;
      lastNonEmpty = undefined;
      continue;
    }
    if (line.trim() !== '' && !line.startsWith('```')) lastNonEmpty = line;
  }
  if (edits.length === 0) throw new PatchParseError('no complete SEARCH/REPLACE block found');
  return edits;
}

function joinBlock(lines: string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/** A line naming a file: strips markdown decoration a model puts around it. */
function cleanPath(line: string): string | undefined {
  const p = line.trim().replace(/^#+\s*/, '').replace(/^[*`'"]+|[*`'":]+$/g, '').trim();
  if (!p || /\s/.test(p) || p.length > 300) return undefined;
  return p;
}

function parseUnifiedDiff(text: string): FileEdit[] {
  const lines = text.split('\n');
  const edits: FileEdit[] = [];
  let oldPath: string | undefined;
  let newPath: string | undefined;
  let hunks: DiffHunk[] = [];
  let current: DiffHunk | undefined;
  const flush = () => {
    if (current) hunks.push(current);
    current = undefined;
    if (hunks.length === 0 && !(oldPath && newPath && oldPath !== newPath)) return;
    edits.push(...toEdits(oldPath, newPath, hunks));
    hunks = [];
    oldPath = newPath = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('diff --git ')) {
      flush();
      const m = /^diff --git (?:"?a\/)?(\S+)"? (?:"?b\/)?(\S+)"?$/.exec(line);
      if (m) [oldPath, newPath] = [m[1], m[2]];
      continue;
    }
    if (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
      if (current || hunks.length > 0) flush();
      oldPath = diffPath(line.slice(4));
      newPath = diffPath(lines[i + 1]!.slice(4));
      i++;
      continue;
    }
    if (line.startsWith('rename from ')) oldPath = line.slice(12).trim();
    if (line.startsWith('rename to ')) newPath = line.slice(10).trim();
    if (line.startsWith('@@')) {
      if (current) hunks.push(current);
      const m = /^@@+ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@/.exec(line);
      current = { header: line, lines: [], ...(m ? { oldStart: Number(m[1]) } : {}) };
      continue;
    }
    if (current) {
      // Hunk counts are not trusted: the body runs until the next header or a line no hunk holds.
      if (/^[ +\-\\]/.test(line) || line === '') current.lines.push(line);
      else {
        hunks.push(current);
        current = undefined;
      }
    }
  }
  flush();
  if (edits.length === 0) throw new PatchParseError('the diff has no hunks');
  return edits.map(trimTrailingBlankContext);
}

function diffPath(raw: string): string | undefined {
  const p = raw.split('\t')[0]!.trim().replace(/^"|"$/g, '');
  if (p === '/dev/null') return undefined;
  return p.replace(/^[ab]\//, '');
}

function toEdits(oldPath: string | undefined, newPath: string | undefined, hunks: DiffHunk[]): FileEdit[] {
  if (!oldPath && newPath) {
    const content = hunks.flatMap((h) => h.lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1)));
    const noEol = hunks.some((h) => h.lines.some((l) => l.startsWith('\\')));
    return [{ kind: 'create', path: newPath, content: content.join('\n') + (noEol || content.length === 0 ? '' : '\n') }];
  }
  if (oldPath && !newPath) return [{ kind: 'delete', path: oldPath }];
  if (!oldPath || !newPath) throw new PatchParseError('a diff section names no file');
  const edits: FileEdit[] = [];
  if (hunks.length > 0) edits.push({ kind: 'unifiedDiff', path: oldPath, hunks });
  if (oldPath !== newPath) edits.push({ kind: 'rename', path: oldPath, to: newPath });
  return edits;
}

/** Blank lines at a hunk's end are usually the gap between diff sections, not context. */
function trimTrailingBlankContext(edit: FileEdit): FileEdit {
  if (edit.kind !== 'unifiedDiff') return edit;
  return {
    ...edit,
    hunks: edit.hunks.map((h) => {
      const lines = [...h.lines];
      while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      return { ...h, lines };
    }),
  };
}
