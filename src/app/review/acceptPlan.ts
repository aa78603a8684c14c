// What accepting some pending hunks does to the files: the operations to write, the checkpoint that
// takes exactly them back, and the hunks that no longer fit the files (conflicts, with why). Host-
// neutral: the CLI writes the operations with the patch engine, the editor as one WorkspaceEdit.
import type { FileText } from '../../core/patch/fileText';
import { hunkEntries, type CheckpointEntry, type FileOperation } from './checkpoint';
import { applyReplacements, planHunks } from './hunks';
import type { HunkRef } from './reviewState';

/** How the review reads the workspace: the editor sees unsaved buffers, the CLI the disk. */
export interface FileReader {
  read(path: string): FileText | undefined;
  text(path: string): string | undefined;
}

export interface AcceptPlan {
  readonly operations: FileOperation[];
  readonly entries: CheckpointEntry[];
  readonly accepted: string[];
  readonly conflicts: { hunkId: string; reason: string }[];
}

export function planAccept(refs: readonly HunkRef[], files: FileReader): AcceptPlan {
  const out: AcceptPlan = { operations: [], entries: [], accepted: [], conflicts: [] };
  const conflict = (hunkId: string, reason: string) => out.conflicts.push({ hunkId, reason });
  for (const [path, group] of groupByFile(refs)) {
    const file = group[0]!.file;
    const id = group[0]!.hunk.id;
    if (file.action === 'modify') {
      const now = files.read(path);
      if (!now) {
        group.forEach((r) => conflict(r.hunk.id, `${path} no longer exists`));
        continue;
      }
      const plan = planHunks(now.lines, group.map((r) => r.hunk));
      if (plan.placed.length) {
        const after = applyReplacements(now.lines, plan.replacements);
        out.operations.push({ kind: 'write', path, before: now.lines, after });
        out.entries.push(...hunkEntries(path, after, plan.placed));
        out.accepted.push(...plan.placed.map((p) => p.hunk.id));
      }
      plan.conflicts.forEach((h) => conflict(h.id, `the lines it changes in ${path} were edited since it was proposed`));
    } else if (file.action === 'create') {
      if (files.text(path) !== undefined) conflict(id, `${path} exists already`);
      else {
        out.operations.push({ kind: 'create', path, content: file.content ?? '' });
        out.entries.push({ kind: 'create', hunkId: id, path, content: file.content ?? '' });
        out.accepted.push(id);
      }
    } else if (file.action === 'delete') {
      const before = files.text(path);
      if (before === undefined) conflict(id, `${path} is gone already`);
      else {
        out.operations.push({ kind: 'delete', path });
        out.entries.push({ kind: 'delete', hunkId: id, path, content: before });
        out.accepted.push(id);
      }
    } else if (file.action === 'rename' && file.from) {
      const before = files.text(file.from);
      if (before === undefined || files.text(path) !== undefined) conflict(id, `${file.from} is gone or ${path} exists already`);
      else {
        const content = file.content ?? before;
        out.operations.push({ kind: 'rename', from: file.from, to: path, content });
        out.entries.push({ kind: 'rename', hunkId: id, from: file.from, path, before, content });
        out.accepted.push(id);
      }
    }
  }
  return out;
}

function groupByFile(refs: readonly HunkRef[]): Map<string, HunkRef[]> {
  const out = new Map<string, HunkRef[]>();
  for (const r of refs) out.set(r.file.path, [...(out.get(r.file.path) ?? []), r]);
  return out;
}
