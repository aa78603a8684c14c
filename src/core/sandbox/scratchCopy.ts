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

export function copyWorkspace(request: WorkspaceCopy): CopyResult {
  const realRoot = fs.realpathSync(request.root);
  const modules = dependenciesOf(realRoot);
  const dest = request.dest;
  fs.mkdirSync(dest, { recursive: true });
  const refused: string[] = [];
  let files = 0;
  // where a real path lands in the copy, or undefined if it is outside what is copied
  const mapped = (real: string): string | undefined => {
    if (modules && within(modules, real)) return path.join(dest, 'node_modules', path.relative(modules, real));
    if (within(realRoot, real)) return path.join(dest, path.relative(realRoot, real));
    return undefined;
  };
  const walk = (from: string, to: string, rel: string, top: boolean) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      if (top && NOT_COPIED.has(e.name)) continue;
      const src = path.join(from, e.name);
      const dst = path.join(to, e.name);
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        fs.mkdirSync(dst);
        walk(src, dst, name, false);
      } else if (e.isFile()) {
        fs.copyFileSync(src, dst, fs.constants.COPYFILE_FICLONE);
        files++;
      } else if (e.isSymbolicLink()) {
        let target: string | undefined;
        try {
          target = mapped(fs.realpathSync(src));
        } catch {
          target = undefined; // dangling or a loop
        }
        if (target === undefined) refused.push(name);
        else fs.symlinkSync(path.relative(to, target) || '.', dst);
      } else refused.push(name);
    }
  };
  walk(realRoot, dest, '', true);
  if (request.dependencies && modules) {
    fs.mkdirSync(path.join(dest, 'node_modules'));
    walk(modules, path.join(dest, 'node_modules'), 'node_modules', false);
  }
  return { files, refused };
}

function within(dir: string, p: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`);
}
