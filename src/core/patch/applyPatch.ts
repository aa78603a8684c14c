// Applies a CodePatch to files under a workspace root: all edits or none. Every path is checked
// before anything is read: inside the root (no '..', no absolute path, no link leading out), never
// a protected path (a git directory however reached, core.hooksPath, the workspace database), and a
// sensitive path only when accepted explicitly. Every caller (patch apply, run --apply, the editor's
// review, an API) goes through these rules.
import * as fs from 'node:fs';
import type { CodePatch, FileEdit } from './codePatch';
import { commitFiles, WriteFailure } from './commitFiles';
import { decodeFile, UndecodableFileError, type FileText } from './fileText';
import { PathRefusedError } from './pathRules';
import { planPatch, type EditReport, type PatchPlan } from './planPatch';
import { SensitivePaths, sensitiveMessage, type SensitiveFile, type SensitivePolicy } from './sensitivePaths';
import { fsErrorReason } from '../fsErrors';
import { WriteGuard } from './writeGuard';

export interface PatchReport extends PatchPlan {
  /** True when the plan was written to disk (false for a dry run or a refusal). */
  readonly written: boolean;
  /** Set when the plan was sound but writing failed; says whether every file was restored. */
  readonly writeError?: string;
  /** Sensitive files left as they are under the `hold` policy, each with its rule: the rest was applied. */
  readonly held?: readonly SensitiveFile[];
}

export interface ApplyOptions {
  readonly root: string;
  readonly dryRun?: boolean;
  /** Default: the default sensitive list, and a patch touching it is refused. */
  readonly sensitive?: SensitivePolicy;
}

export async function applyPatch(patch: CodePatch, options: ApplyOptions): Promise<PatchReport> {
  const guard = new WriteGuard(options.root);
  const policy = options.sensitive ?? { paths: new SensitivePaths(), mode: 'refuse' };
  const sensitive = (p: string): SensitiveFile | undefined => sensitiveFile(p, policy, guard);

  let edits = patch.edits;
  const held: SensitiveFile[] = [];
  if (policy.mode === 'hold') {
    edits = patch.edits.filter((edit) => {
      const hits = editPaths(edit).map(sensitive).filter((s): s is SensitiveFile => s !== undefined);
      held.push(...hits.filter((h) => !held.some((x) => x.path === h.path)));
      return hits.length === 0;
    });
  }
  const heldPart = held.length ? { held } : {};
  if (edits.length === 0) return { ok: true, written: !options.dryRun, edits: [], files: [], ...heldPart };

  const absolute = new Map<string, string>();
  const checkPath = (p: string) => {
    absolute.set(p, guard.check(p));
    const s = policy.mode === 'refuse' ? sensitive(p) : undefined;
    if (s) throw new PathRefusedError(sensitiveMessage(s), s.rule);
  };
  const unreadable: EditReport[] = [];
  const plan = planPatch(
    { ...patch, edits },
    (p) => {
      try {
        return readText(absolute.get(p)!);
      } catch (err) {
        const reason = err instanceof UndecodableFileError ? err.message : fsErrorReason(err);
        unreadable.push({ index: -1, path: p, kind: 'replaceFile', status: 'refused', reason: `${p} cannot be patched: ${reason}`, steps: [] });
        return undefined;
      }
    },
    { checkPath },
  );
  if (unreadable.length > 0) return { ok: false, written: false, edits: [...unreadable, ...plan.edits], files: [], ...heldPart };
  if (!plan.ok || options.dryRun) return { ...plan, written: false, ...heldPart };
  try {
    commitFiles(plan.files, absolute);
    return { ...plan, written: true, ...heldPart };
  } catch (err) {
    if (!(err instanceof WriteFailure)) throw err;
    return { ...plan, ok: false, written: false, writeError: err.message, ...heldPart };
  }
}

function editPaths(edit: FileEdit): string[] {
  return edit.kind === 'rename' ? [edit.path, edit.to] : [edit.path];
}

/** The sensitive rule a path falls under, by its name or where its links lead; undefined when allowed. */
export function sensitiveFile(p: string, policy: SensitivePolicy, guard: WriteGuard): SensitiveFile | undefined {
  const allowed = (x: string) => policy.allow?.has(normalize(x)) ?? false;
  if (allowed(p)) return undefined;
  const byName = policy.paths.rule(p);
  if (byName) return { path: p, rule: byName };
  let real: string;
  try {
    real = guard.realRelative(p);
  } catch {
    return undefined; // the guard refuses this path anyway
  }
  const byTarget = real !== normalize(p) ? policy.paths.rule(real) : undefined;
  return byTarget ? { path: p, rule: `${byTarget} (through a link to ${real})` } : undefined;
}

/** A workspace-relative path as the allow list holds it: forward slashes, no `./`. */
export function normalize(p: string): string {
  return p
    .split(/[\\/]/)
    .filter((x) => x !== '' && x !== '.')
    .join('/');
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
