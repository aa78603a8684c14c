// The review's shapes, shared by the fold every process keeps (reviewProjection.ts) and the hosts:
// each proposed file change split into hunks with stable ids, each pending until decided.
import type { FileAction } from '../patch/planPatch';

export interface Hunk {
  /** Stable across reloads: derived from the patch, the path and the hunk's content. */
  readonly id: string;
  readonly index: number;
  /** 0-based line in the text the hunk was computed against: a hint for locating it. */
  readonly oldStart: number;
  readonly oldLines: readonly string[];
  readonly newLines: readonly string[];
  readonly contextBefore: readonly string[];
  readonly contextAfter: readonly string[];
}

export type HunkDecision = 'pending' | 'accepted' | 'rejected' | 'conflict';

export interface ReviewHunk extends Hunk {
  readonly decision: HunkDecision;
  readonly reason?: string;
}

export interface ReviewFile {
  readonly path: string;
  readonly action: FileAction;
  readonly from?: string;
  readonly eol: '\n' | '\r\n';
  /** The whole new text, for a created or renamed file; the old text for a deleted one. */
  readonly content?: string;
  readonly hunks: readonly ReviewHunk[];
}

export interface ReviewPatch {
  /** The run it belongs to, where a review shows several runs' patches together. */
  readonly runId?: string;
  readonly patchId: string;
  readonly taskId: string;
  readonly taskTitle: string;
  readonly summary: string;
  readonly provider: string;
  readonly model: string;
  readonly files: readonly ReviewFile[];
  /** Edits that no longer apply to the workspace: shown, not reviewable. */
  readonly problems: readonly string[];
}

export interface ReviewState {
  readonly runId: string;
  readonly objective: string;
  readonly patches: readonly ReviewPatch[];
}

export interface HunkRef {
  readonly patch: ReviewPatch;
  readonly file: ReviewFile;
  readonly hunk: ReviewHunk;
}

export function allHunks(state: ReviewState): HunkRef[] {
  return state.patches.flatMap((patch) => patch.files.flatMap((file) => file.hunks.map((hunk) => ({ patch, file, hunk }))));
}
