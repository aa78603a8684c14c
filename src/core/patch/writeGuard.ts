// The path rules that need the disk. resolveInside keeps any path (read or written) inside the
// workspace through links; WriteGuard adds what no patch may write: a git directory however it is
// reached (a link to `.git` or to a folder above it, the target of a `.git` file of a worktree or
// submodule, an embedded bare repository) and the folder `core.hooksPath` names.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkPathText, checkRelative, HOOKS_RULE, PathOutsideWorkspaceError, PathRefusedError, protectedByName, ProtectedPathError } from './pathRules';
import { fsErrorReason } from '../fsErrors';

/** Resolves a workspace-relative path, refusing anything that would land outside the root. */
export function resolveInside(root: string, relative: string): string {
  checkRelative(relative);
  const realRoot = realRootOf(root);
  const target = path.resolve(realRoot, relative);
  if (!isInside(realRoot, target)) throw new PathOutsideWorkspaceError(`${relative} leads outside the workspace`);
  const real = realLocation(target, relative, realRoot);
  if (!isInside(realRoot, real.path)) throw new PathOutsideWorkspaceError(isSymlink(target) ? `${relative} is a symlink that leads outside the workspace` : `${relative} goes through a symlink that leads outside the workspace`);
  return target;
}

interface ProtectedDir {
  readonly dir: string;
  readonly rule: string;
  readonly what: string;
}

const GITDIR_RULE = 'gitdir';

/**
 * Checks paths a patch writes. Learns the workspace's git layout as it goes (each folder once), so
 * a 50-file patch costs a few dozen stat calls.
 */
export class WriteGuard {
  private readonly realRoot: string;
  private readonly protectedDirs: ProtectedDir[] = [];
  private readonly learned = new Set<string>();

  constructor(readonly root: string) {
    this.realRoot = realRootOf(root);
    this.learnEnclosingRepository();
  }

  /** The absolute path to write, or a PathRefusedError naming the rule. */
  check(relative: string): string {
    checkPathText(relative);
    const target = path.resolve(this.realRoot, relative);
    if (!isInside(this.realRoot, target)) throw new PathOutsideWorkspaceError(`${relative} leads outside the workspace`);
    const real = realLocation(target, relative, this.realRoot);
    if (!isInside(this.realRoot, real.path)) throw new PathOutsideWorkspaceError(isSymlink(target) ? `${relative} is a symlink that leads outside the workspace` : `${relative} goes through a symlink that leads outside the workspace`);
    const realRelative = toSlash(path.relative(this.realRoot, real.path));
    const viaLink = protectedByName(realRelative);
    if (viaLink) throw new ProtectedPathError(`${relative} leads through a symbolic link to ${realRelative}, which ${viaLink.message.slice(realRelative.length + 1)}`, viaLink.rule);
    for (let dir = path.dirname(real.path); isInside(this.realRoot, dir); dir = path.dirname(dir)) {
      this.learn(dir);
      if (dir === this.realRoot) break;
    }
    const hit = this.protectedDirs.find((p) => isInside(p.dir, real.path));
    if (hit) throw new ProtectedPathError(`${relative} is inside ${hit.what} (protected path rule '${hit.rule}'): files there run commands on git operations or hold the repository`, hit.rule);
    if (real.missing.length > 0 && !real.existingIsDir) throw new PathRefusedError(`${relative} cannot be written: ${toSlash(path.relative(this.realRoot, real.existing)) || '.'} is a file, not a folder`);
    return target;
  }

  /** A workspace-relative path as it really is on disk (through links); for the sensitive-path rules. */
  realRelative(relative: string): string {
    return toSlash(path.relative(this.realRoot, realLocation(path.resolve(this.realRoot, relative), relative, this.realRoot).path));
  }

  private learnEnclosingRepository(): void {
    for (let dir = path.dirname(this.realRoot); ; dir = path.dirname(dir)) {
      if (exists(path.join(dir, '.git'))) {
        this.learn(dir);
        return;
      }
      if (path.dirname(dir) === dir) return;
    }
  }

  private learn(dir: string): void {
    if (this.learned.has(dir)) return;
    this.learned.add(dir);
    if (looksLikeGitDir(dir)) this.protect(dir, GITDIR_RULE, `the git directory ${this.show(dir)}`);
    const dotGit = path.join(dir, '.git');
    let gitDir: string | undefined;
    try {
      const st = fs.lstatSync(dotGit);
      if (st.isFile()) {
        const named = /^gitdir:\s*(.+?)\s*$/m.exec(readHead(dotGit))?.[1];
        if (named) gitDir = path.resolve(dir, named);
      } else gitDir = dotGit;
    } catch {
      return;
    }
    if (!gitDir) return;
    const realGitDir = realOr(gitDir);
    this.protect(realGitDir, GITDIR_RULE, `the git directory ${this.show(realGitDir)} (named by ${this.show(dotGit)})`);
    const common = readHead(path.join(realGitDir, 'commondir')).trim();
    const configs = [path.join(realGitDir, 'config'), ...(common ? [path.join(path.resolve(realGitDir, common), 'config')] : [])];
    for (const config of configs) {
      const hooks = hooksPathOf(readHead(config, 1 << 20));
      if (!hooks) continue;
      const resolved = realOr(hooks.startsWith('~/') ? path.join(os.homedir(), hooks.slice(2)) : path.resolve(dir, hooks));
      this.protect(resolved, HOOKS_RULE, `${this.show(resolved)}, the hooks folder core.hooksPath names in ${this.show(config)}`);
    }
  }

  private protect(dir: string, rule: string, what: string): void {
    if (!this.protectedDirs.some((p) => p.dir === dir)) this.protectedDirs.push({ dir, rule, what });
  }

  private show(p: string): string {
    return isInside(this.realRoot, p) ? toSlash(path.relative(this.realRoot, p)) || '.' : p;
  }
}

interface RealLocation {
  readonly path: string;
  /** The deepest part of the path that exists, and the names below it that do not. */
  readonly existing: string;
  readonly existingIsDir: boolean;
  readonly missing: readonly string[];
}

/** Where a path really lands: the deepest existing part resolved through links, plus the rest. */
function realLocation(target: string, relative: string, realRoot: string): RealLocation {
  const missing: string[] = [];
  let probe = target;
  let stat: fs.Stats | undefined;
  for (;;) {
    try {
      stat = fs.lstatSync(probe);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ELOOP') throw new PathRefusedError(`${relative} cannot be checked: ${fsErrorReason(err)}`);
      missing.unshift(path.basename(probe));
      const up = path.dirname(probe);
      if (up === probe) break;
      probe = up;
    }
  }
  let real: string;
  try {
    real = fs.realpathSync(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const shown = missing.length ? `${relative} goes through ${toSlash(path.relative(realRoot, probe)) || probe}, which` : relative;
    if (code === 'ELOOP') throw new PathRefusedError(`${shown} is a symbolic link loop (ELOOP); patches do not follow it`);
    if (code === 'ENOENT') throw new PathRefusedError(`${missing.length ? shown : relative} is a symbolic link to ${readLink(probe)}, which does not exist (a dangling link); patches do not write through it`);
    throw new PathRefusedError(`${relative} cannot be checked: ${fsErrorReason(err)}`);
  }
  let existingIsDir = stat?.isDirectory() ?? true;
  if (stat?.isSymbolicLink()) {
    try {
      existingIsDir = fs.statSync(probe).isDirectory();
    } catch {
      existingIsDir = false;
    }
  }
  return { path: path.join(real, ...missing), existing: real, existingIsDir, missing };
}

function realRootOf(root: string): string {
  try {
    return fs.realpathSync(root);
  } catch (err) {
    throw new PathRefusedError(`the workspace folder ${root} cannot be used: ${fsErrorReason(err)}`);
  }
}

function looksLikeGitDir(dir: string): boolean {
  try {
    return fs.statSync(path.join(dir, 'HEAD')).isFile() && fs.statSync(path.join(dir, 'objects')).isDirectory() && fs.statSync(path.join(dir, 'refs')).isDirectory();
  } catch {
    return false;
  }
}

/** core.hooksPath from a git config file's text (the last one wins, as in git). */
export function hooksPathOf(config: string): string | undefined {
  let section = '';
  let found: string | undefined;
  for (const raw of config.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[\s*([^\]\s"]+)(?:\s+"[^"]*")?\s*\](.*)$/.exec(line);
    if (header) {
      section = header[1]!.toLowerCase();
      const rest = header[2]!.trim();
      if (!rest) continue;
      const inline = /^hookspath\s*=\s*(.*)$/i.exec(rest);
      if (section === 'core' && inline) found = configValue(inline[1]!);
      continue;
    }
    const entry = /^hookspath\s*=\s*(.*)$/i.exec(line);
    if (section === 'core' && entry) found = configValue(entry[1]!);
  }
  return found || undefined;
}

function configValue(raw: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && i + 1 < raw.length) out += raw[++i] === 't' ? '\t' : raw[i] === 'n' ? '\n' : raw[i];
    else if (!quoted && (c === '#' || c === ';')) break;
    else out += c;
  }
  return out.trim();
}

function readHead(file: string, limit = 4096): string {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    if (!fs.fstatSync(fd).isFile()) return '';
    const buf = Buffer.alloc(limit);
    const n = fs.readSync(fd, buf, 0, limit, 0);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function realOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

function readLink(p: string): string {
  try {
    return fs.readlinkSync(p);
  } catch {
    return 'a missing target';
  }
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function toSlash(p: string): string {
  return p.split(path.sep).join('/');
}
