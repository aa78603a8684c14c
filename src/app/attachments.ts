// Which workspace files the chat box may offer and attach: never what git or CodeCompanion keep
// (.git/, .codecompanion/), never a sensitive path (.env*, CI, hook configuration: the review's own
// list), never what .gitignore or files.exclude leave out, never outside the folder. Plain data: the
// editor lists and reads the files, this decides. Tested in Node.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isIgnored, parseGitignore, type IgnoreRules } from '../core/memory/gitignore';
import { protectedByName } from '../core/patch/pathRules';
import type { SensitivePaths } from '../core/patch/sensitivePaths';

/** The completion list's length. */
export const MENTION_RESULTS = 20;

/** A workspace-relative path, `/`-separated, or undefined when it leads outside the folder. */
export function relativePath(root: string, file: string): string | undefined {
  const rel = path.relative(root, path.resolve(root, file)).split(path.sep).join('/');
  return rel && !rel.startsWith('../') && rel !== '..' && !path.isAbsolute(rel) ? rel : undefined;
}

/** Why a workspace-relative path may not be attached, in one line; undefined when it may. */
export function attachRefusal(rel: string, sensitive: SensitivePaths): string | undefined {
  if (protectedByName(rel)) return `${rel} is inside .git or .codecompanion: never sent to a model`;
  const rule = sensitive.rule(rel);
  if (rule) return `${rel} is a sensitive file (rule '${rule}'): it may hold secrets, so it is never attached to a prompt`;
  return undefined;
}

/**
 * The paths (workspace-relative, as the editor listed them) a mention may offer: none in .git or
 * .codecompanion, none a .gitignore at any level ignores (each .gitignore read once), none sensitive.
 */
export function offerable(root: string, paths: readonly string[], sensitive: SensitivePaths): string[] {
  const rulesOf = new Map<string, readonly IgnoreRules[]>();
  const rulesAt = (dir: string): readonly IgnoreRules[] => {
    const known = rulesOf.get(dir);
    if (known) return known;
    const parent = dir === '' ? [] : rulesAt(dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '');
    let rules = parent;
    try {
      rules = [...parent, parseGitignore(dir, fs.readFileSync(path.join(root, dir, '.gitignore'), 'utf8'))];
    } catch {
      // no .gitignore in this folder
    }
    rulesOf.set(dir, rules);
    return rules;
  };
  return paths.filter((rel) => {
    if (attachRefusal(rel, sensitive)) return false;
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (isIgnored(rulesAt(i === 1 ? '' : parts.slice(0, i - 1).join('/')), dir, true)) return false;
    }
    return !isIgnored(rulesAt(parts.slice(0, -1).join('/')), rel, false);
  });
}

/** A file's bytes as text, or why not: a model gets text, not binaries. */
export function attachableText(rel: string, bytes: Uint8Array): { text: string } | { refused: string } {
  if (bytes.subarray(0, 8000).includes(0)) return { refused: `${rel} is not a text file` };
  return { text: new TextDecoder('utf-8').decode(bytes) };
}

/**
 * The files matching what follows `@`, best first: a file name starting with the query, then a path
 * containing it, then the query's letters in order; shorter paths first within each. Case-insensitive.
 */
export function rankFiles(files: readonly string[], query: string, limit = MENTION_RESULTS): string[] {
  const q = query.toLowerCase();
  const scored: { file: string; score: number }[] = [];
  for (const file of files) {
    const lower = file.toLowerCase();
    const base = lower.slice(lower.lastIndexOf('/') + 1);
    const score = !q ? 3 : base.startsWith(q) ? 0 : lower.startsWith(q) ? 1 : lower.includes(q) ? 2 : subsequence(lower, q) ? 3 : -1;
    if (score >= 0) scored.push({ file, score });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.file.length - b.file.length || (a.file < b.file ? -1 : 1))
    .slice(0, limit)
    .map((s) => s.file);
}

function subsequence(text: string, q: string): boolean {
  let i = 0;
  for (const ch of text) if (ch === q[i] && ++i === q.length) return true;
  return i === q.length;
}
