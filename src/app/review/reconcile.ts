// After a crash between "about to write" (review.accepting / review.rollingBack) and "written"
// (review.applied / review.rolledBack), the files say how far the write got. Each checkpoint entry is
// found on disk in its state before the write, after it, or neither (edited since). All after: the
// write happened, record it. All before: it never did, record that. In between (some files written):
// finish the write for the files still before it. Neither: a conflict, named, left as it is.
import type { FileReader } from './acceptPlan';
import { planRollback, type CheckpointEntry, type FileOperation } from './checkpoint';
import { applyReplacements, locate } from './hunks';

export type EntryState = 'before' | 'after' | 'other';

export function entryState(entry: CheckpointEntry, files: FileReader): EntryState {
  if (entry.kind === 'hunk') {
    const lines = files.read(entry.path)?.lines;
    if (!lines) return 'other';
    const ctx = { contextBefore: entry.contextBefore, contextAfter: entry.contextAfter };
    if (locateExact(lines, entry.newLines, ctx, entry.start)) return 'after';
    if (locateExact(lines, entry.oldLines, ctx, entry.start)) return 'before';
    return 'other';
  }
  if (entry.kind === 'create') {
    const t = files.text(entry.path);
    return t === undefined ? 'before' : t === entry.content ? 'after' : 'other';
  }
  if (entry.kind === 'delete') {
    const t = files.text(entry.path);
    return t === undefined ? 'after' : t === entry.content ? 'before' : 'other';
  }
  const to = files.text(entry.path);
  const from = files.text(entry.from);
  if (to === entry.content && from === undefined) return 'after';
  if (from === entry.before && to === undefined) return 'before';
  return 'other';
}

/** The lines with their context around them (or, where the context is another hunk's, the lines alone, once). */
function locateExact(lines: readonly string[], seq: readonly string[], ctx: { contextBefore: readonly string[]; contextAfter: readonly string[] }, near: number): boolean {
  const full = [...ctx.contextBefore, ...seq, ...ctx.contextAfter];
  for (let i = 0; i + full.length <= lines.length; i++) if (full.every((l, k) => lines[i + k] === l)) return true;
  if (seq.length === 0) return false;
  return locate(lines, { oldLines: seq, contextBefore: [], contextAfter: [] }, near) !== undefined;
}

export interface Reconciliation {
  /** 'applied': the files have the write (finished where needed); 'none': the files never got it. */
  readonly outcome: 'done' | 'none';
  /** Operations that finish a half-done write (files still in the state before it). */
  readonly operations: FileOperation[];
  readonly done: string[];
  readonly conflicts: { hunkId: string; path: string; reason: string }[];
}

/** For an interrupted accept: the entries it meant to apply. */
export function reconcileAccept(entries: readonly CheckpointEntry[], files: FileReader): Reconciliation {
  const states = entries.map((e) => ({ e, s: entryState(e, files) }));
  const conflicts = states.filter((x) => x.s === 'other').map(({ e }) => ({ hunkId: e.hunkId, path: e.path, reason: `${e.path} was changed after an interrupted accept; left as it is` }));
  if (!states.some((x) => x.s === 'after')) return { outcome: 'none', operations: [], done: [], conflicts };
  const operations: FileOperation[] = [];
  const byPath = new Map<string, CheckpointEntry[]>();
  for (const { e, s } of states) if (s === 'before') byPath.set(e.path, [...(byPath.get(e.path) ?? []), e]);
  for (const [path, group] of byPath) {
    const first = group[0]!;
    if (first.kind === 'create') operations.push({ kind: 'create', path, content: first.content });
    else if (first.kind === 'delete') operations.push({ kind: 'delete', path });
    else if (first.kind === 'rename') operations.push({ kind: 'rename', from: first.from, to: path, content: first.content });
    else {
      const file = files.read(path)!;
      const replacements = group.flatMap((e) => {
        if (e.kind !== 'hunk') return [];
        const at = locate(file.lines, { oldLines: e.oldLines, contextBefore: e.contextBefore, contextAfter: e.contextAfter }, e.start);
        return at === undefined ? [] : [{ start: at, end: at + e.oldLines.length, lines: e.newLines }];
      });
      operations.push({ kind: 'write', path, before: file.lines, after: applyReplacements(file.lines, replacements) });
    }
  }
  return { outcome: 'done', operations, done: states.filter((x) => x.s !== 'other').map(({ e }) => e.hunkId), conflicts };
}

/** For an interrupted rollback: the applied entries it meant to take back. */
export function reconcileRollback(runId: string, entries: readonly CheckpointEntry[], files: FileReader): Reconciliation {
  const states = entries.map((e) => ({ e, s: entryState(e, files) }));
  if (!states.some((x) => x.s === 'before')) return { outcome: 'none', operations: [], done: [], conflicts: [] };
  const stillApplied = states.filter((x) => x.s === 'after').map(({ e }) => e);
  const plan = planRollback({ runId, entries: stillApplied }, (p) => files.read(p)?.lines, (p) => files.text(p));
  const reverted = states.filter((x) => x.s === 'before').map(({ e }) => e.hunkId);
  const conflicts = [
    ...plan.conflicts,
    ...states.filter((x) => x.s === 'other').map(({ e }) => ({ hunkId: e.hunkId, path: e.path, reason: `${e.path} was changed after an interrupted rollback; left as it is` })),
  ];
  return { outcome: 'done', operations: [...plan.operations], done: [...reverted, ...plan.reverted], conflicts };
}
