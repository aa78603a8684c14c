// The review's trust boundary, shared by every host: a hunk in a protected file is never applied
// (the engine refused such patches already; this is the second lock), and a sensitive file is
// applied only when a person confirms that file, by name, with its rule in front of them.
import { sensitiveFile } from '../../core/patch/applyPatch';
import { PathRefusedError } from '../../core/patch/pathRules';
import type { SensitiveFile, SensitivePaths } from '../../core/patch/sensitivePaths';
import { WriteGuard } from '../../core/patch/writeGuard';
import type { HunkRef } from './reviewState';

export interface RefusedFile {
  readonly path: string;
  readonly reason: string;
}

export interface GatedRefs {
  /** What may be applied now. */
  readonly refs: HunkRef[];
  /** Sensitive files nobody confirmed: their hunks stay pending. */
  readonly held: SensitiveFile[];
  /** Files no review may write (protected paths): their hunks stay pending, never applied. */
  readonly refused: RefusedFile[];
}

/**
 * Splits the hunks a person chose to accept: `confirm` is asked once per sensitive file (an
 * automatic apply passes none, so sensitive files always wait for a person).
 */
export async function gateAccept(root: string, refs: readonly HunkRef[], paths: SensitivePaths, confirm?: (file: SensitiveFile) => Promise<boolean>): Promise<GatedRefs> {
  const guard = new WriteGuard(root);
  const refused = new Map<string, RefusedFile>();
  const sensitive = new Map<string, SensitiveFile>();
  for (const { file } of refs) {
    if (refused.has(file.path) || sensitive.has(file.path)) continue;
    try {
      for (const p of [file.path, ...(file.from ? [file.from] : [])]) guard.check(p);
    } catch (err) {
      if (!(err instanceof PathRefusedError)) throw err;
      refused.set(file.path, { path: file.path, reason: err.message });
      continue;
    }
    const hit = [file.path, ...(file.from ? [file.from] : [])].map((p) => sensitiveFile(p, { paths, mode: 'hold' }, guard)).find((s) => s !== undefined);
    if (hit) sensitive.set(file.path, { path: file.path, rule: hit.rule });
  }
  const held: SensitiveFile[] = [];
  for (const s of sensitive.values()) if (!confirm || !(await confirm(s))) held.push(s);
  const blocked = new Set([...refused.keys(), ...held.map((h) => h.path)]);
  return { refs: refs.filter((r) => !blocked.has(r.file.path)), held, refused: [...refused.values()] };
}
