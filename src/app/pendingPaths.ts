// The paths a file watcher reported since the last re-index, workspace-relative and `/`-separated.
// Our own state, VCS folders and dependencies are never queued: the index itself writes under
// .codecompanion, and queueing those writes would re-index forever.
const NEVER = new Set(['.codecompanion', '.git', '.hg', '.svn', 'node_modules']);

export class PendingPaths {
  private readonly paths = new Set<string>();

  /** False when the path is outside the workspace or never indexed. */
  add(relative: string): boolean {
    const rel = relative.split('\\').join('/').replace(/^\.\/+/, '').replace(/\/+$/, '');
    const parts = rel.split('/');
    if (!rel || rel === '.' || parts[0] === '..' || /^([a-zA-Z]:)?\//.test(rel) || parts.some((p) => NEVER.has(p))) return false;
    this.paths.add(rel);
    return true;
  }

  /** Everything queued, once: a folder covers what is queued under it. */
  take(): string[] {
    const all = [...this.paths].sort();
    this.paths.clear();
    return all.filter((p) => !all.some((q) => q !== p && p.startsWith(`${q}/`)));
  }
}
