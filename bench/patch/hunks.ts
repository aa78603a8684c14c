// The clean patch for one real file change, in the two shapes models emit: unified-diff hunks
// (from `git diff --no-index`) and SEARCH/REPLACE blocks with just enough context to be unique.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Hunk {
  readonly oldStart: number;
  readonly oldCount: number;
  readonly newStart: number;
  readonly newCount: number;
  /** Body lines, each starting with ' ', '-', '+' or '\'. */
  readonly lines: readonly string[];
}

/** A SEARCH/REPLACE block: context lines around a changed middle; search = before+oldMid+after. */
export interface Block {
  readonly before: readonly string[];
  readonly oldMid: readonly string[];
  readonly newMid: readonly string[];
  readonly after: readonly string[];
}

export async function diffHunks(oldText: string, newText: string, scratch: string): Promise<Hunk[]> {
  fs.mkdirSync(scratch, { recursive: true });
  const [a, b] = [path.join(scratch, 'old'), path.join(scratch, 'new')];
  fs.writeFileSync(a, oldText);
  fs.writeFileSync(b, newText);
  let out: string;
  try {
    out = (await run('git', ['diff', '--no-index', '--no-color', '--no-ext-diff', '-U3', a, b], { maxBuffer: 64 << 20 })).stdout;
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    if (e.code !== 1 || e.stdout === undefined) throw err;
    out = e.stdout; // exit 1: the files differ
  }
  return parseHunks(out);
}

function parseHunks(diff: string): Hunk[] {
  const hunks: Array<{ oldStart: number; oldCount: number; newStart: number; newCount: number; lines: string[] }> = [];
  const lines = diff.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (m) hunks.push({ oldStart: +m[1]!, oldCount: m[2] === undefined ? 1 : +m[2], newStart: +m[3]!, newCount: m[4] === undefined ? 1 : +m[4], lines: [] });
    else if (hunks.length > 0 && /^[ +\-\\]/.test(line)) hunks[hunks.length - 1]!.lines.push(line);
  }
  return hunks;
}

export interface DiffStyle {
  readonly prefixes?: boolean;
  readonly header?: (h: Hunk) => string;
}

export const gitHeader = (h: Hunk) => `@@ -${h.oldStart},${h.oldCount} +${h.newStart},${h.newCount} @@`;

export function renderDiff(file: string, hunks: readonly Hunk[], style: DiffStyle = {}): string {
  const [a, b] = style.prefixes === false ? [file, file] : [`a/${file}`, `b/${file}`];
  const header = style.header ?? gitHeader;
  return [`--- ${a}`, `+++ ${b}`, ...hunks.flatMap((h) => [header(h), ...h.lines])].join('\n') + '\n';
}

export function renderSearchReplace(file: string, blocks: readonly Block[], search = (b: Block) => [...b.before, ...b.oldMid, ...b.after]): string {
  const out = [file, '```'];
  for (const b of blocks) out.push('<<<<<<< SEARCH', ...search(b), '=======', ...b.before, ...b.newMid, ...b.after, '>>>>>>> REPLACE');
  out.push('```');
  return out.join('\n') + '\n';
}

export function textLines(text: string): string[] {
  if (text === '') return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

/**
 * Blocks applied in order, as a model writes them: each one's search text occurs exactly once in
 * the file as the earlier blocks left it, widened line by line on both sides until it does.
 * Undefined when the change cannot be said as SEARCH/REPLACE (it changes the final newline).
 */
export function searchReplaceBlocks(oldText: string, newText: string, hunks: readonly Hunk[]): Block[] | undefined {
  if (oldText.endsWith('\n') !== newText.endsWith('\n')) return undefined;
  const current = textLines(oldText);
  const blocks: Block[] = [];
  let delta = 0;
  for (const h of hunks) {
    const body = h.lines.filter((l) => !l.startsWith('\\'));
    const oldMid = body.filter((l) => l[0] !== '+').map((l) => l.slice(1));
    const newMid = body.filter((l) => l[0] !== '-').map((l) => l.slice(1));
    const start = (h.oldCount === 0 ? h.oldStart : h.oldStart - 1) + delta;
    let [s, e] = [start, start + oldMid.length];
    const search = () => current.slice(s, e);
    while (search().every((l) => l.trim() === '') || occurrences(current, search()) !== 1) {
      if (s === 0 && e === current.length) return undefined;
      if (s > 0) s--;
      if (e < current.length) e++;
    }
    blocks.push({ before: current.slice(s, start), oldMid, newMid, after: current.slice(start + oldMid.length, e) });
    current.splice(start, oldMid.length, ...newMid);
    delta += newMid.length - oldMid.length;
  }
  return current.join('\n') + (newText.endsWith('\n') && current.length > 0 ? '\n' : '') === newText ? blocks : undefined;
}

export function occurrences(file: readonly string[], needle: readonly string[]): number {
  let n = 0;
  for (let at = 0; at + needle.length <= file.length; at++) {
    let ok = true;
    for (let i = 0; i < needle.length && ok; i++) ok = file[at + i] === needle[i];
    if (ok) n++;
  }
  return n;
}
