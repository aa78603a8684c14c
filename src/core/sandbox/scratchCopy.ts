// The scratch copy a check runs in. Files are copied (copy-on-write clones where the file system
// has them); links are copied as links, rewritten to stay inside the copy: a link is followed on
// the real disk once, and if it ends inside the workspace (or its dependencies folder) the copy
// gets a relative link to the same place in the copy. A link that ends outside, dangles or loops
// is refused: left out of the copy and listed. Fifos, sockets and devices are left out too. So no
// path in the copy leads back to the real workspace, `alias -> real` included.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Never copied: version control, our own database, and the dependencies (handled apart). */
export const NOT_COPIED = new Set(['.git', '.codecompanion', 'node_modules']);

export interface CopyResult {
  readonly files: number;
  readonly refused: readonly string[];
}

export interface WorkspaceCopy {
  /** The workspace (any path to it). */
  readonly root: string;
  readonly dest: string;
  /** Also copy node_modules (when it cannot be mounted read-only). */
  readonly dependencies: boolean;
}

/** The dependencies folder's real location, if the workspace has one (it may be a link, as in a git worktree). */
export function dependenciesOf(root: string): string | undefined {
  try {
    const real = fs.realpathSync(path.join(root, 'node_modules'));
    return fs.statSync(real).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the walk of a workspace puts what it finds: folders, files (by their real path) and links
 * already rewritten relative to their own folder, all by workspace-relative path ('/'-separated).
 * A scratch folder on disk (copyWorkspace) or a check job's archive in memory (src/team/checkJobs.ts).
 */
export interface CopySink {
  folder(rel: string): void;
  file(rel: string, from: string): void;
  link(rel: string, target: string): void;
}

/** The scratch copy's rules, once: what is left out, and links kept only when they stay inside. */
export function walkWorkspace(root: string, sink: CopySink, options: { readonly dependencies: boolean }): CopyResult {
  const realRoot = fs.realpathSync(root);
  const modules = dependenciesOf(realRoot);
  const refused: string[] = [];
  let files = 0;
  // where a real path lands in the copy, or undefined if it is outside what is copied
  const mapped = (real: string): string | undefined => {
    if (modules && within(modules, real)) return path.posix.join('/node_modules', ...path.relative(modules, real).split(path.sep));
    if (within(realRoot, real)) return path.posix.join('/', ...path.relative(realRoot, real).split(path.sep));
    return undefined;
  };
  const walk = (from: string, rel: string, top: boolean) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      if (top && NOT_COPIED.has(e.name)) continue;
      const src = path.join(from, e.name);
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        sink.folder(name);
        walk(src, name, false);
      } else if (e.isFile()) {
        sink.file(name, src);
        files++;
      } else if (e.isSymbolicLink()) {
        let target: string | undefined;
        try {
          target = mapped(fs.realpathSync(src));
        } catch {
          target = undefined; // dangling or a loop
        }
        if (target === undefined) refused.push(name);
        else sink.link(name, path.posix.relative(path.posix.join('/', rel), target) || '.');
      } else refused.push(name);
    }
  };
  walk(realRoot, '', true);
  if (options.dependencies && modules) {
    sink.folder('node_modules');
    walk(modules, 'node_modules', false);
  }
  return { files, refused };
}

export function copyWorkspace(request: WorkspaceCopy): CopyResult {
  const dest = request.dest;
  fs.mkdirSync(dest, { recursive: true });
  const at = (rel: string) => path.join(dest, ...rel.split('/'));
  return walkWorkspace(request.root, {
    folder: (rel) => fs.mkdirSync(at(rel)),
    file: (rel, from) => fs.copyFileSync(from, at(rel), fs.constants.COPYFILE_FICLONE),
    link: (rel, target) => fs.symlinkSync(target, at(rel)),
  }, request);
}

function within(dir: string, p: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`);
}
