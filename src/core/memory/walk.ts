// The files worth indexing under a workspace root: .gitignore rules honoured at every level, our own
// state and VCS folders always skipped, symlinks not followed (no loops, nothing outside the root).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isIgnored, parseGitignore, type IgnoreRules } from './gitignore';

/** Skipped even without a .gitignore saying so. */
const ALWAYS_SKIPPED = new Set(['.git', '.hg', '.svn', '.codecompanion', 'node_modules']);

export interface WalkedFile {
  /** Workspace-relative, `/`-separated. */
  readonly path: string;
  readonly size: number;
}

export function walkWorkspace(root: string, signal?: AbortSignal): WalkedFile[] {
  const out: WalkedFile[] = [];
  visit(root, '', [], out, signal);
  return out;
}

/**
 * The indexable files among these workspace-relative paths (a folder stands for what is under it),
 * with the same rules as a full walk: what a watcher reports after a save, a create or a delete.
 */
export function walkPaths(root: string, paths: readonly string[], signal?: AbortSignal): WalkedFile[] {
  const out = new Map<string, WalkedFile>();
  for (const rel of new Set(paths.map((p) => p.split(path.sep).join('/').replace(/^\/+|\/+$/g, '')))) {
    if (!rel || rel.split('/').includes('..')) continue;
    const parts = rel.split('/');
    let rules: readonly IgnoreRules[] = rulesAt(root, '', []);
    let skipped = false;
    for (let i = 0; i < parts.length - 1 && !skipped; i++) {
      const dir = parts.slice(0, i + 1).join('/');
      if (ALWAYS_SKIPPED.has(parts[i]!) || isIgnored(rules, dir, true)) skipped = true;
      else rules = rulesAt(root, dir, rules);
    }
    if (skipped) continue;
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(path.join(root, rel));
    } catch {
      continue; // gone: the indexer drops what it knew of it
    }
    const found: WalkedFile[] = [];
    if (stat.isDirectory()) {
      if (!ALWAYS_SKIPPED.has(parts[parts.length - 1]!) && !isIgnored(rules, rel, true)) visit(root, rel, rules, found, signal);
    } else if (stat.isFile() && !isIgnored(rules, rel, false)) found.push({ path: rel, size: stat.size });
    for (const f of found) out.set(f.path, f);
  }
  return [...out.values()];
}

function rulesAt(root: string, dir: string, stack: readonly IgnoreRules[]): readonly IgnoreRules[] {
  try {
    return [...stack, parseGitignore(dir, fs.readFileSync(path.join(root, dir, '.gitignore'), 'utf8'))];
  } catch {
    return stack; // no .gitignore here
  }
}

function visit(root: string, dir: string, stack: readonly IgnoreRules[], out: WalkedFile[], signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
  const abs = path.join(root, dir);
  const rules = rulesAt(root, dir, stack);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(abs, { withFileTypes: true });
  } catch {
    return; // unreadable: skipped, like git would fail to add it
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!ALWAYS_SKIPPED.has(e.name) && !isIgnored(rules, rel, true)) visit(root, rel, rules, out, signal);
    } else if (e.isFile() && !isIgnored(rules, rel, false)) {
      try {
        out.push({ path: rel, size: fs.statSync(path.join(root, rel)).size });
      } catch {
        // vanished between readdir and stat
      }
    }
  }
}
