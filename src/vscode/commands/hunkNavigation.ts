// The review from the keyboard: the next and previous pending hunk (across the document, then the
// next file), accept or reject of the hunk at the cursor, and the inline review of a file. They
// work alike in the file, in the inline review and on either side of the diff editor.
import * as vscode from 'vscode';
import { blockAt } from '../../core/review/inlineView';
import type { Companion } from '../companion';
import { hunkSpots, type HunkSpot } from '../review/inlineReview';
import { openInlineReview } from '../review/proposedContent';
import { pathOfProposed, PROPOSED_SCHEME, sideOf } from '../review/proposedUri';
import { fileUri, relativePath } from '../review/workspaceFiles';

/** The workspace path of an editor's document: a file, or a review document of it. */
export function reviewPath(c: Companion, uri: vscode.Uri): string | undefined {
  return uri.scheme === PROPOSED_SCHEME ? pathOfProposed(uri) : relativePath(c.root, uri);
}

/** The pending hunk whose lines hold `line` (or that inserts right there), else the nearest one below, else above. */
export function hunkAtLine(spots: readonly HunkSpot[], line: number): HunkSpot | undefined {
  const found = blockAt(spots.map((s) => ({ id: s.id, start: s.line, removed: s.span, added: 0 })), line);
  return found && spots.find((s) => s.id === found.id);
}

function pendingFiles(c: Companion): string[] {
  return [...new Set((c.review.state?.patches ?? []).flatMap((p) => p.files.filter((f) => f.hunks.some((h) => h.decision === 'pending')).map((f) => f.path)))];
}

export async function navigateHunk(c: Companion, direction: 1 | -1): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const files = pendingFiles(c);
  if (files.length === 0) {
    void vscode.window.showInformationMessage('CodeCompanion: no change is waiting for review.');
    return;
  }
  const current = editor ? reviewPath(c, editor.document.uri) : undefined;
  const line = editor?.selection.active.line ?? -1;
  const here = editor && current ? hunkSpots(c.root, c.review, editor.document.uri) : [];
  const next = direction === 1 ? here.find((h) => h.line > line) : [...here].reverse().find((h) => h.line < line);
  if (next && editor) return reveal(editor, next);
  // past the last (or first) hunk of this document: the next file with pending hunks, wrapping
  // around, shown the way this one is (a file stays a file, the inline review stays inline)
  const at = current ? files.indexOf(current) : -1;
  const target = files[(at + direction + files.length) % files.length]!;
  const inline = editor?.document.uri.scheme === PROPOSED_SCHEME && sideOf(editor.document.uri) === 'inline';
  const opened = inline ? await openInlineReview(target) : await vscode.window.showTextDocument(fileUri(c.root, target), { preview: false });
  const spots = hunkSpots(c.root, c.review, opened.document.uri);
  const pick = direction === 1 ? spots[0] : spots[spots.length - 1];
  if (pick) reveal(opened, pick);
}

function reveal(editor: vscode.TextEditor, h: HunkSpot): void {
  const pos = new vscode.Position(Math.min(h.line, editor.document.lineCount - 1), 0);
  editor.selection = new vscode.Selection(pos, pos);
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** Accept or reject the hunk at the cursor in the active editor (a file, its inline review, or a side of its diff). */
export async function decideHunkAtCursor(c: Companion, decision: 'accept' | 'reject'): Promise<unknown> {
  const editor = vscode.window.activeTextEditor;
  const path = editor ? reviewPath(c, editor.document.uri) : undefined;
  if (!editor || !path) throw new Error('put the cursor in a file with proposed changes');
  const spots = hunkSpots(c.root, c.review, editor.document.uri);
  const hunk = spots.length ? hunkAtLine(spots, editor.selection.active.line) : undefined;
  if (!hunk) throw new Error(`no change is waiting for review in ${path}`);
  return vscode.commands.executeCommand(decision === 'accept' ? 'codecompanion.acceptHunk' : 'codecompanion.rejectHunk', { hunk: hunk.id, ...(decision === 'reject' ? { askReason: true } : { interactive: true }) });
}

/** The inline review of the file in the active editor (or the one named), at its first pending hunk. */
export async function reviewInlineCommand(c: Companion, arg: unknown): Promise<{ path: string; hunks: number }> {
  const named = typeof (arg as { file?: unknown } | undefined)?.file === 'string' ? (arg as { file: string }).file : undefined;
  const active = vscode.window.activeTextEditor;
  const path = named ?? (active ? reviewPath(c, active.document.uri) : undefined) ?? pendingFiles(c)[0];
  if (!path) throw new Error('there is nothing to review: run an objective first (CodeCompanion: Run Objective)');
  fileUri(c.root, path);
  const editor = await openInlineReview(path);
  const spots = hunkSpots(c.root, c.review, editor.document.uri);
  if (spots[0]) reveal(editor, spots[0]);
  return { path, hunks: spots.length };
}
