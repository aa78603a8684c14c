// Sensitive paths: files a patch may change, but only when a person accepts that file explicitly,
// never by Accept All or an automatic apply. They configure tools that run commands or hold secrets
// without anyone running the project's code: editor tasks and settings, CI workflows, environment
// files, package-manager and git-hook configuration. The list is gitignore syntax, matched without
// regard to case; `default` in a list stands for DEFAULT_SENSITIVE_PATHS, `!pattern` exempts.
import ignore, { type Ignore } from 'ignore';

export const DEFAULT_SENSITIVE_PATHS: readonly string[] = [
  // editor: tasks run on folder open, settings point at interpreters and shells (VS Code's own edits.autoApprove keeps .vscode/*.json, .env, .gitattributes and *.code-workspace for confirmation)
  '**/.vscode/**',
  '*.code-workspace',
  '.devcontainer/**',
  '.devcontainer.json',
  // CI runs with the repository's secrets
  '.github/workflows/**',
  '.github/actions/**',
  '.gitlab-ci.yml',
  // environment and package-manager configuration: secrets, registries, install-time hooks
  '.env*',
  '.envrc',
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  '.pnpmfile.cjs',
  // git configuration inside the tree, and hook managers (their files run on commit, checkout, push)
  '.gitattributes',
  '.gitmodules',
  '**/.husky/**',
  '**/.githooks/**',
  '**/.git-hooks/**',
  '**/.lefthook/**',
  'lefthook.yml',
  'lefthook.yaml',
  '.lefthook.yml',
  '.lefthook.yaml',
  'lefthook-local.yml',
  '.pre-commit-config.yaml',
  '.pre-commit-hooks.yaml',
  '.simple-git-hooks.*',
  'simple-git-hooks.*',
  '.overcommit.yml',
];

/** The environment variable the CLI reads: comma-separated patterns, `default` for the list above. */
export const SENSITIVE_PATHS_ENV = 'CODECOMPANION_SENSITIVE_PATHS';

export class SensitivePaths {
  private readonly matcher: Ignore;
  readonly patterns: readonly string[];

  constructor(patterns: readonly string[] = DEFAULT_SENSITIVE_PATHS) {
    this.patterns = patterns.flatMap((p) => (p.trim() === 'default' ? DEFAULT_SENSITIVE_PATHS : [p.trim()])).filter((p) => p !== '' && !p.startsWith('#'));
    this.matcher = ignore({ ignorecase: true }).add([...this.patterns]);
  }

  /** From a comma-separated list (the environment variable); undefined or unset means the default list. */
  static fromList(list: string | undefined): SensitivePaths {
    if (list === undefined) return new SensitivePaths();
    return new SensitivePaths(list.split(','));
  }

  /** The rule that makes a workspace-relative path sensitive, or undefined. */
  rule(relative: string): string | undefined {
    const clean = relative
      .split(/[\\/]/)
      .filter((p) => p !== '' && p !== '.')
      .join('/');
    if (!clean || !ignore.isPathValid(clean)) return undefined;
    const result = this.matcher.test(clean);
    return result.ignored ? (result.rule?.pattern ?? 'sensitive') : undefined;
  }
}

export interface SensitiveFile {
  readonly path: string;
  readonly rule: string;
}

/** What to do with edits to sensitive files that nobody accepted explicitly. */
export interface SensitivePolicy {
  readonly paths: SensitivePaths;
  /** Workspace-relative paths a person accepted explicitly (e.g. `--allow-sensitive PATH`). */
  readonly allow?: ReadonlySet<string>;
  /** `refuse`: the whole patch is refused (patch apply). `hold`: the rest applies, these files wait (run --apply). */
  readonly mode: 'refuse' | 'hold';
}

export function sensitiveMessage(file: SensitiveFile): string {
  return `${file.path} is a sensitive path (rule '${file.rule}'): it changes only when accepted explicitly, file by file`;
}
