// Applies a CodePatch to files under a workspace root: all edits or none. Every path is checked to
// stay inside the root (no '..', no absolute paths, no symlink leading out) before anything is read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CodePatch } from './codePatch';
import { decodeFile, UndecodableFileError, type FileText } from './fileText';
import { planPatch, type EditReport, type FilePlan, type PatchPlan } from './planPatch';

export interface PatchReport extends PatchPlan {
  /** True when the plan was written to disk (false for a dry run or a refusal). */
  readonly written: boolean;
  /** Set when the plan was sound but writing failed; every file was restored. */
  readonly writeError?: string;
}

export interface ApplyOptions {
  readonly root: string;
  readonly dryRun?: boolean;
}

export class PathOutsideWorkspaceError extends Error {}

/** Resolves a workspace-relative path, refusing anything that would land outside the root. */
export function resolveInside(root: string, relative: string): string {
  if (relative.includes('\0')) throw new PathOutsideWorkspaceError(`${JSON.stringify(relative)} contains a NUL byte`);
  if (path.isAbsolute(relative) || /^[a-zA-Z]:[\\/]/.test(relative)) throw new PathOutsideWorkspaceError(`${relative} is absolute; patch paths are relative to the workspace`);
  const realRoot = fs.realpathSync(root);
  const target = path.resolve(realRoot, relative);
  if (!isInside(realRoot, target)) throw new PathOutsideWorkspaceError(`${relative} leads outside the workspace`);
  // The deepest part of the path that exists must resolve (through symlinks) inside the root too.
  let probe = target;
  while (!fs.existsSync(probe) && probe !== realRoot) probe = path.dirname(probe);
  if (fs.existsSync(probe) && !isInside(realRoot, fs.realpathSync(probe))) throw new PathOutsideWorkspaceError(`${relative} goes through a symlink that leads outside the workspace`);
  if (isSymlink(target) && !isInside(realRoot, fs.realpathSync(target))) throw new PathOutsideWorkspaceError(`${relative} is a symlink that leads outside the workspace`);
  return target;
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

export async function applyPatch(patch: CodePatch, options: ApplyOptions): Promise<PatchReport> {
  const pathErrors: EditReport[] = [];
  const absolute = new Map<string, string>();
  patch.edits.forEach((edit, index) => {
    for (const p of edit.kind === 'rename' ? [edit.path, edit.to] : [edit.path]) {
      try {
        absolute.set(p, resolveInside(options.root, p));
      } catch (err) {
        if (!(err instanceof PathOutsideWorkspaceError)) throw err;
        pathErrors.push({ index, path: p, kind: edit.kind, status: 'refused', reason: err.message, steps: [] });
      }
    }
  });
  if (pathErrors.length > 0) return { ok: false, written: false, edits: pathErrors, files: [] };

  const unreadable: EditReport[] = [];
  const plan = planPatch(patch, (p) => {
    const abs = absolute.get(p)!;
    try {
      return readText(abs);
    } catch (err) {
      if (err instanceof UndecodableFileError) {
        unreadable.push({ index: -1, path: p, kind: 'replaceFile', status: 'refused', reason: `${p} cannot be patched: ${err.message}`, steps: [] });
        return undefined;
      }
      throw err;
    }
  });
  if (unreadable.length > 0) return { ok: false, written: false, edits: [...unreadable, ...plan.edits], files: [] };
  if (!plan.ok || options.dryRun) return { ...plan, written: false };
  try {
    commit(plan.files, absolute);
    return { ...plan, written: true };
  } catch (err) {
    return { ...plan, ok: false, written: false, writeError: `writing failed and every file was restored: ${(err as Error).message}` };
  }
}

function readText(abs: string): FileText | undefined {
  let bytes: Buffer;
  try {
    if (!fs.statSync(abs).isFile()) throw new UndecodableFileError('it is not a regular file');
    bytes = fs.readFileSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  return decodeFile(bytes);
}

interface Undo {
  readonly run: () => void;
}

/** Writes each file through a temp file and rename; on any failure, undoes what was done, newest first. */
function commit(files: readonly FilePlan[], absolute: ReadonlyMap<string, string>): void {
  const undo: Undo[] = [];
  const stamp = `.cc-${process.pid}-${Date.now()}`;
  try {
    for (const file of files) {
      const target = absolute.get(file.path)!;
      if (file.action === 'delete') {
        const aside = target + stamp + '.del';
        fs.renameSync(target, aside);
        undo.push({ run: () => fs.renameSync(aside, target) });
        continue;
      }
      if (file.action === 'rename') {
        const source = absolute.get(file.from!)!;
        const mode = fs.statSync(source).mode;
        writeAtomically(target, file.after!, mode, undo, stamp);
        const aside = source + stamp + '.del';
        fs.renameSync(source, aside);
        undo.push({ run: () => fs.renameSync(aside, source) });
        continue;
      }
      const mode = file.action === 'modify' ? fs.statSync(target).mode : undefined;
      writeAtomically(target, file.after!, mode, undo, stamp);
    }
  } catch (err) {
    for (const u of undo.reverse()) {
      try {
        u.run();
      } catch {
        // keep restoring the rest
      }
    }
    throw err;
  }
  // Everything is in place: drop the copies kept for undo.
  for (const file of files) {
    const target = absolute.get(file.action === 'rename' ? file.from! : file.path)!;
    fs.rmSync(target + stamp + '.del', { force: true });
    fs.rmSync(target + stamp + '.bak', { force: true });
  }
}

function writeAtomically(target: string, text: string, mode: number | undefined, undo: Undo[], stamp: string): void {
  const dir = path.dirname(target);
  if (!fs.existsSync(dir)) {
    const created = firstMissing(dir);
    fs.mkdirSync(dir, { recursive: true });
    undo.push({ run: () => fs.rmSync(created, { recursive: true, force: true }) });
  }
  const tmp = target + stamp + '.tmp';
  fs.writeFileSync(tmp, text, { mode: mode ?? 0o644 });
  if (mode !== undefined) fs.chmodSync(tmp, mode);
  if (fs.existsSync(target)) {
    const backup = target + stamp + '.bak';
    fs.linkSync(target, backup);
    undo.push({ run: () => fs.renameSync(backup, target) });
  } else {
    undo.push({ run: () => fs.rmSync(target, { force: true }) });
  }
  fs.renameSync(tmp, target);
}

function firstMissing(dir: string): string {
  let missing = dir;
  while (!fs.existsSync(path.dirname(missing))) missing = path.dirname(missing);
  return missing;
}
