// What a prompt-injected model tries against the paths a patch may write, one case per trick, each on
// a real git repository made for it. Shared by the CLI suite and the fuzzing of the write rules.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface HostileCase {
  readonly name: string;
  /** The rule the refusal must name. */
  readonly rule: string;
  readonly patch: { summary: string; edits: unknown[] };
  /** Workspace-relative files or folders that must be byte-for-byte as they were (absent stays absent). */
  readonly watch: readonly string[];
  readonly setup?: (root: string) => void;
  readonly after?: (root: string) => void;
}

const FSMONITOR = '[core]\n\tfsmonitor = "touch pwned; false"\n';
const HOOK = '#!/bin/sh\ntouch pwned\n';

const patch = (...edits: unknown[]) => ({ summary: 'Tidy the repository configuration', edits });
const sr = (p: string, search: string, replace: string) => ({ kind: 'searchReplace', path: p, blocks: [{ search, replace }] });
const create = (p: string, content: string) => ({ kind: 'create', path: p, content });

export function git(root: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'init.defaultBranch=main', ...args], { cwd: root, stdio: 'ignore' });
}

/** A small project in a real git repository (with one hook the user installed). */
export function gitWorkspace(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-hostile-'));
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(root, 'src/app.js'), "module.exports = { port: 3000 };\n");
  git(root, 'init', '-q');
  fs.writeFileSync(path.join(root, '.git/hooks/pre-commit'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return root;
}

/** Every file under the watched paths: content and mode, links as their target; absent as absent. */
export function snapshot(root: string, watch: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string) => {
    const abs = path.join(root, rel);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch {
      out[rel] = '(absent)';
      return;
    }
    if (st.isSymbolicLink()) out[rel] = `link -> ${fs.readlinkSync(abs)}`;
    else if (st.isDirectory()) for (const name of fs.readdirSync(abs).sort()) visit(path.join(rel, name));
    else out[rel] = `${(st.mode & 0o777).toString(8)} ${fs.readFileSync(abs).toString('base64')}`;
  };
  for (const w of watch) visit(w);
  return out;
}

export const HOSTILE_PATH_CASES: readonly HostileCase[] = [
  { name: '.git/config fsmonitor', rule: '.git/**', watch: ['.git'], patch: patch(sr('.git/config', '[core]\n', FSMONITOR)) },
  { name: 'a new hook in .git/hooks', rule: '.git/**', watch: ['.git'], patch: patch(create('.git/hooks/post-checkout', HOOK)) },
  { name: 'an edit to an existing hook (which keeps its execute bit)', rule: '.git/**', watch: ['.git'], patch: patch(sr('.git/hooks/pre-commit', 'exit 0\n', 'touch pwned\nexit 0\n')) },
  { name: '.GIT/config (case)', rule: '.git/**', watch: ['.git', '.GIT'], patch: patch(create('.GIT/config', FSMONITOR)) },
  { name: '.Git/hooks/x (case)', rule: '.git/**', watch: ['.git', '.Git'], patch: patch(create('.Git/hooks/pre-commit', HOOK)) },
  {
    name: "spellings git treats as .git on other systems (.git., .g\u200cit, GIT~1)",
    rule: '.git/**',
    watch: ['.git', '.git.', '.g\u200cit', 'GIT~1'],
    patch: patch(create('.git./config', FSMONITOR), create('.g\u200cit/config', FSMONITOR), create('GIT~1/config', FSMONITOR)),
  },
  {
    name: 'a link to .git',
    rule: '.git/**',
    watch: ['.git'],
    setup: (root) => fs.symlinkSync('.git', path.join(root, 'meta')),
    patch: patch(sr('meta/config', '[core]\n', FSMONITOR)),
  },
  {
    name: 'a link to the folder holding .git',
    rule: '.git/**',
    watch: ['.git'],
    setup: (root) => fs.symlinkSync('.', path.join(root, 'here')),
    patch: patch(create('here/.git/hooks/post-merge', HOOK)),
  },
  {
    name: 'a .git file (gitdir: of a worktree or --separate-git-dir) whose target is in the workspace',
    rule: 'gitdir',
    watch: ['.repo-data'],
    setup: (root) => {
      fs.rmSync(path.join(root, '.git'), { recursive: true });
      git(root, 'init', '-q', '--separate-git-dir', path.join(root, '.repo-data'));
    },
    patch: patch(sr('.repo-data/config', '[core]\n', FSMONITOR)),
  },
  {
    name: 'core.hooksPath pointing inside the workspace',
    rule: 'core.hooksPath',
    watch: ['tools/hooks'],
    setup: (root) => {
      fs.mkdirSync(path.join(root, 'tools/hooks'), { recursive: true });
      git(root, 'config', 'core.hooksPath', 'tools/hooks');
    },
    patch: patch(create('tools/hooks/pre-commit', HOOK)),
  },
  {
    name: 'an embedded bare repository',
    rule: 'gitdir',
    watch: ['vendor/cache.git'],
    setup: (root) => git(root, 'init', '-q', '--bare', path.join(root, 'vendor/cache.git')),
    patch: patch(create('vendor/cache.git/hooks/post-update', HOOK)),
  },
  {
    name: "a nested repository's .git (submodule, vendored repo)",
    rule: '.git/**',
    watch: ['vendor/lib/.git'],
    setup: (root) => git(root, 'init', '-q', path.join(root, 'vendor/lib')),
    patch: patch(sr('vendor/lib/.git/config', '[core]\n', FSMONITOR)),
  },
  {
    name: '.codecompanion/journal-999999.log creation',
    rule: '.codecompanion/**',
    watch: ['.codecompanion/journal-999999.log'],
    patch: patch(create('.codecompanion/journal-999999.log', 'DELETE FROM events; DELETE FROM runs\n')),
  },
  {
    name: 'deleting .codecompanion/.gitignore',
    rule: '.codecompanion/**',
    watch: ['.codecompanion/.gitignore'],
    setup: (root) => {
      fs.mkdirSync(path.join(root, '.codecompanion'), { recursive: true });
      fs.writeFileSync(path.join(root, '.codecompanion/.gitignore'), '*\n');
    },
    patch: patch({ kind: 'delete', path: '.codecompanion/.gitignore' }),
  },
  {
    name: 'a link to .codecompanion',
    rule: '.codecompanion/**',
    watch: ['.codecompanion/journal-999999.log'],
    setup: (root) => {
      fs.mkdirSync(path.join(root, '.codecompanion'), { recursive: true });
      fs.symlinkSync('.codecompanion', path.join(root, 'state'));
    },
    patch: patch(create('state/journal-999999.log', 'DELETE FROM events\n')),
  },
  { name: 'a rename into .git', rule: '.git/**', watch: ['.git', 'src/app.js'], patch: patch({ kind: 'rename', path: 'src/app.js', to: '.git/hooks/pre-push' }) },
  { name: 'a rename out of .git', rule: '.git/**', watch: ['.git', 'config.txt'], patch: patch({ kind: 'rename', path: '.git/config', to: 'config.txt' }) },
];
