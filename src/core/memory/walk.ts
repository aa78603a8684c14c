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
  const visit = (dir: string, stack: readonly IgnoreRules[]) => {
    signal?.throwIfAborted();
    const abs = path.join(root, dir);
    let rules = stack;
    try {
      rules = [...stack, parseGitignore(dir, fs.readFileSync(path.join(abs, '.gitignore'), 'utf8'))];
    } catch {
      // no .gitignore here
    }
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
        if (!ALWAYS_SKIPPED.has(e.name) && !isIgnored(rules, rel, true)) visit(rel, rules);
      } else if (e.isFile() && !isIgnored(rules, rel, false)) {
        try {
          out.push({ path: rel, size: fs.statSync(path.join(root, rel)).size });
        } catch {
          // vanished between readdir and stat
        }
      }
    }
  };
  visit('', []);
  return out;
}
