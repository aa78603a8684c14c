// The workspace as a run sees it: the files on disk with every accepted patch of the run staged on
// top, in memory. Agents read it, patches are dry-run against it, and the check command runs on a
// scratch copy of it; the user's files change only when accepted patches are applied at the end.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveInside, WriteGuard } from '../patch/writeGuard';
import type { CodePatch } from '../patch/codePatch';
import { decodeFile, parseText, type FileText } from '../patch/fileText';
import { planPatch, type PatchPlan } from '../patch/planPatch';
import { copyWorkspace, type CopyResult } from '../sandbox/scratchCopy';

const SKIP_DIRS = new Set(['.git', 'node_modules', '.codecompanion', 'dist', 'out', 'coverage', '.vscode-test']);

export interface DryRun {
  readonly plan?: PatchPlan;
  readonly problems: readonly string[];
}

export class WorkspaceView {
  /** Staged content by path; null marks a deleted file. */
  private readonly staged = new Map<string, string | null>();

  constructor(readonly root: string) {}

  read(relative: string): string | undefined {
    if (this.staged.has(relative)) return this.staged.get(relative) ?? undefined;
    try {
      return fs.readFileSync(resolveInside(this.root, relative), 'utf8');
    } catch {
      return undefined;
    }
  }

  private source = (relative: string): FileText | undefined => {
    if (this.staged.has(relative)) {
      const text = this.staged.get(relative);
      return text === null || text === undefined ? undefined : parseText(text);
    }
    try {
      return decodeFile(fs.readFileSync(resolveInside(this.root, relative)));
    } catch {
      return undefined;
    }
  };

  /** Workspace-relative paths, sorted, skipping build output and dependencies. */
  listFiles(limit = 300): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(path.join(this.root, dir), { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        if (out.length >= limit) return;
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(rel);
        } else if (e.isFile() && this.staged.get(rel) !== null) out.push(rel);
      }
    };
    walk('');
    for (const [p, text] of this.staged) if (text !== null && !out.includes(p)) out.push(p);
    return out.sort();
  }

  /** Works out what the patch would do to the staged workspace; touches nothing. */
  dryRun(patch: CodePatch): DryRun {
    const problems: string[] = [];
    // the patch engine's write rules (inside the workspace, no protected path) decide here already,
    // so a patch writing into .git goes back to its author instead of reaching review
    const guard = new WriteGuard(this.root);
    const plan = planPatch(patch, this.source, { checkPath: (p) => void guard.check(p) });
    if (!plan.ok)
      for (const e of plan.edits) if (e.status === 'refused') problems.push(`${e.kind} ${e.path}: ${e.reason ?? 'refused'}`);
    return { plan, problems };
  }

  stage(plan: PatchPlan): void {
    for (const f of plan.files) {
      if (f.action === 'rename' && f.from) this.staged.set(f.from, null);
      this.staged.set(f.path, f.action === 'delete' ? null : (f.after ?? ''));
    }
  }

  /**
   * Copies the staged workspace (plus an optional plan on top) to `dir` for a check command, by the
   * scratch copy's rules (links stay inside the copy; node_modules only when asked).
   */
  materialize(dir: string, extra?: PatchPlan, options: { dependencies?: boolean } = {}): CopyResult {
    const copied = copyWorkspace({ root: this.root, dest: dir, dependencies: options.dependencies ?? false });
    for (const [rel, text] of this.changes(extra)) {
      const target = path.join(dir, rel);
      if (text === null) fs.rmSync(target, { force: true });
      else {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, text);
      }
    }
    return copied;
  }

  /** What differs from the files on disk: the staged patches and `extra` on top (null: deleted). */
  changes(extra?: PatchPlan): Map<string, string | null> {
    const writes = new Map(this.staged);
    for (const f of extra?.files ?? []) {
      if (f.action === 'rename' && f.from) writes.set(f.from, null);
      writes.set(f.path, f.action === 'delete' ? null : (f.after ?? ''));
    }
    return writes;
  }
}
