// The review from the keyboard: the next and previous pending hunk (across the file, then the next
// file), and accept or reject of the hunk at the cursor. Also what the diff editor's title bar
// passes (the resource URI) turned into a file target.
import * as vscode from 'vscode';
import type { Companion } from '../companion';
import { placedHunks, type Placed } from '../review/inlineReview';
import { pathOfProposed, PROPOSED_SCHEME } from '../review/proposedContent';
import { fileUri, relativePath } from '../review/workspaceFiles';

/** The workspace path of an editor's document: a file, or the proposed side of a review diff. */
export function reviewPath(c: Companion, uri: vscode.Uri): string | undefined {
  return uri.scheme === PROPOSED_SCHEME ? pathOfProposed(uri) : relativePath(c.root, uri);
}

/** The pending hunk whose lines hold `line` (or that inserts right there), else the nearest one below, else above. */
export function hunkAtLine(hunks: readonly Placed[], line: number): Placed | undefined {
  const inside = hunks.find((h) => line >= h.line && line < h.line + Math.max(1, h.removed));
  return inside ?? hunks.find((h) => h.line >= line) ?? hunks[hunks.length - 1];
}

export async function navigateHunk(c: Companion, direction: 1 | -1): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const files = [...new Set((c.review.state?.patches ?? []).flatMap((p) => p.files.filter((f) => f.hunks.some((h) => h.decision === 'pending')).map((f) => f.path)))];
  if (files.length === 0) {
    void vscode.window.showInformationMessage('CodeCompanion: no change is waiting for review.');
    return;
  }
  const current = editor ? reviewPath(c, editor.document.uri) : undefined;
  const line = editor?.selection.active.line ?? -1;
  const here = current && editor?.document.uri.scheme === 'file' ? placedHunks(c.root, c.review, current) : [];
  const next = direction === 1 ? here.find((h) => h.line > line) : [...here].reverse().find((h) => h.line < line);
  if (next && editor) return reveal(editor, next);
  // past the last (or first) hunk of this file: the next file with pending hunks, wrapping around
  const at = current ? files.indexOf(current) : -1;
  const target = files[(at + direction + files.length) % files.length]!;
  const opened = await vscode.window.showTextDocument(fileUri(c.root, target), { preview: false });
  const hunks = placedHunks(c.root, c.review, target);
  const pick = direction === 1 ? hunks[0] : hunks[hunks.length - 1];
  if (pick) reveal(opened, pick);
}

function reveal(editor: vscode.TextEditor, h: Placed): void {
  const pos = new vscode.Position(Math.min(h.line, editor.document.lineCount - 1), 0);
  editor.selection = new vscode.Selection(pos, pos);
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** Accept or reject the hunk at the cursor in the active editor. */
export async function decideHunkAtCursor(c: Companion, decision: 'accept' | 'reject'): Promise<unknown> {
  const editor = vscode.window.activeTextEditor;
  const path = editor ? reviewPath(c, editor.document.uri) : undefined;
  if (!editor || !path) throw new Error('put the cursor in a file with proposed changes');
  const hunks = editor.document.uri.scheme === 'file' ? placedHunks(c.root, c.review, path) : [];
  const hunk = hunks.length ? hunkAtLine(hunks, editor.selection.active.line) : undefined;
  const target = hunk ? { hunk: hunk.id } : { file: path };
  if (!hunk && !c.review.pendingIn(path).length) throw new Error(`no change is waiting for review in ${path}`);
  return vscode.commands.executeCommand(decision === 'accept' ? 'codecompanion.acceptHunk' : 'codecompanion.rejectHunk', { ...target, ...(decision === 'reject' ? { askReason: true } : { interactive: true }) });
}
