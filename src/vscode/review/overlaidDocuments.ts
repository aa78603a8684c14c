// Which open documents have proposed lines laid over their buffer (the file overlay), and the
// file's own text for each: every reader of "the file as the editor has it" (the review's hunk
// placement, accept, the diff editor) gets the text without the proposed lines.
import * as vscode from 'vscode';

const bases = new Map<string, string>();
const changed = new vscode.EventEmitter<vscode.Uri>();

/** Fires when a document gets or loses its overlay: decorations and CodeLens follow. */
export const onDidChangeOverlaid = changed.event;

export function overlaidBase(uri: vscode.Uri): string | undefined {
  return bases.get(uri.toString());
}

export function setOverlaid(uri: vscode.Uri, base: string | undefined): void {
  if (base === undefined) bases.delete(uri.toString());
  else bases.set(uri.toString(), base);
  changed.fire(uri);
}
