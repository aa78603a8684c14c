// What a run changed in the workspace, recorded as it is applied, and how to take exactly that back.
// Rollback reverts hunk by hunk, newest first, finding each hunk's new lines by content: lines the
// user edited since are a conflict and stay as they are, and edits elsewhere are never touched.
import type { CheckpointEntryData } from '../../core/events';
import { locate, planHunks } from './hunks';

/** Defined with the events that carry it (review.accepting). */
export type CheckpointEntry = CheckpointEntryData;

export interface Checkpoint {
  readonly runId: string;
  readonly entries: readonly CheckpointEntry[];
}

const CONTEXT = 2;

/** Entries for hunks just applied to one file: `after` is the file's lines once they are in. */
export function hunkEntries(path: string, after: readonly string[], placed: ReturnType<typeof planHunks>['placed']): CheckpointEntry[] {
  return placed.map(({ hunk, startAfter }) => ({
    kind: 'hunk',
    hunkId: hunk.id,
    path,
    start: startAfter,
    oldLines: hunk.oldLines,
    newLines: hunk.newLines,
    contextBefore: after.slice(Math.max(0, startAfter - CONTEXT), startAfter),
    contextAfter: after.slice(startAfter + hunk.newLines.length, startAfter + hunk.newLines.length + CONTEXT),
  }));
}

export type FileOperation =
  | { readonly kind: 'write'; readonly path: string; readonly before: readonly string[]; readonly after: readonly string[] }
  | { readonly kind: 'delete'; readonly path: string }
  | { readonly kind: 'create'; readonly path: string; readonly content: string }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string; readonly content: string };

export interface RollbackPlan {
  readonly operations: readonly FileOperation[];
  readonly reverted: readonly string[];
  readonly conflicts: readonly { readonly hunkId: string; readonly path: string; readonly reason: string }[];
}

/**
 * `read` gives a file's current lines (undefined when it does not exist); `textOf` its whole text,
 * compared with what the run created. Writes come out as before/after lines per file.
 */
export function planRollback(checkpoint: Checkpoint, read: (path: string) => readonly string[] | undefined, textOf: (path: string) => string | undefined): RollbackPlan {
  const working = new Map<string, string[] | undefined>();
  const original = new Map<string, readonly string[] | undefined>();
  const lines = (p: string) => {
    if (!working.has(p)) {
      const current = read(p);
      original.set(p, current);
      working.set(p, current && [...current]);
    }
    return working.get(p);
  };
  const whole: FileOperation[] = [];
  const reverted: string[] = [];
  const conflicts: { hunkId: string; path: string; reason: string }[] = [];
  for (const entry of [...checkpoint.entries].reverse()) {
    const conflict = (reason: string) => conflicts.push({ hunkId: entry.hunkId, path: entry.path, reason });
    if (entry.kind === 'hunk') {
      const current = lines(entry.path);
      if (!current) {
        conflict(`${entry.path} no longer exists`);
        continue;
      }
      const at = locate(current, { oldLines: entry.newLines, contextBefore: entry.contextBefore, contextAfter: entry.contextAfter }, entry.start);
      if (at === undefined) {
        conflict(`the lines it changed in ${entry.path} were edited since`);
        continue;
      }
      current.splice(at, entry.newLines.length, ...entry.oldLines);
      reverted.push(entry.hunkId);
    } else if (entry.kind === 'create') {
      const text = textOf(entry.path);
      if (text === undefined) reverted.push(entry.hunkId);
      else if (text !== entry.content) conflict(`${entry.path} was edited after the run created it`);
      else {
        whole.push({ kind: 'delete', path: entry.path });
        working.set(entry.path, undefined);
        reverted.push(entry.hunkId);
      }
    } else if (entry.kind === 'delete') {
      if (textOf(entry.path) !== undefined) conflict(`${entry.path} exists again`);
      else {
        whole.push({ kind: 'create', path: entry.path, content: entry.content });
        reverted.push(entry.hunkId);
      }
    } else {
      const text = textOf(entry.path);
      if (text !== entry.content || textOf(entry.from) !== undefined) conflict(`${entry.path} was edited or ${entry.from} exists again`);
      else {
        whole.push({ kind: 'rename', from: entry.path, to: entry.from, content: entry.before });
        reverted.push(entry.hunkId);
      }
    }
  }
  const writes: FileOperation[] = [];
  for (const [path, after] of working) {
    const before = original.get(path);
    if (after && before && (after.length !== before.length || after.some((l, i) => l !== before[i]))) writes.push({ kind: 'write', path, before, after });
  }
  return { operations: [...writes, ...whole], reverted, conflicts };
}
