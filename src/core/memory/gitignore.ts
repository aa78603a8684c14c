// gitignore(5) for the indexer, with `ignore` (the matcher eslint and prettier use) reading each
// .gitignore. Git's precedence across files is ours to keep: rules in a deeper .gitignore beat the
// shallower ones, and a path is tested against each file relative to that file's directory. Like git,
// a file inside an ignored directory stays ignored (the walk never enters it).
import ignore = require('ignore');

type Ignore = ReturnType<typeof ignore>;

export interface IgnoreRules {
  /** Workspace-relative directory the rules came from ('' for the root). */
  readonly base: string;
  readonly rules: Ignore;
}

export function parseGitignore(base: string, text: string): IgnoreRules {
  return { base, rules: ignore().add(text) };
}

/** True if `relPath` (workspace-relative, `/`-separated) is ignored by the rules in scope. */
export function isIgnored(stack: readonly IgnoreRules[], relPath: string, isDir: boolean): boolean {
  let ignored = false;
  for (const { base, rules } of stack) {
    if (base && !relPath.startsWith(`${base}/`)) continue;
    const local = base ? relPath.slice(base.length + 1) : relPath;
    const verdict = rules.test(isDir ? `${local}/` : local);
    if (verdict.ignored) ignored = true;
    else if (verdict.unignored) ignored = false;
  }
  return ignored;
}
