// CodeCompanion: Show Proposed Lines in the File (a toggle): the file in the active editor (or the
// one named) gets its pending hunks' proposed lines laid over its buffer, or loses them. A file with
// unsaved changes is refused, with the reason and the inline review (a separate document) instead.
import * as vscode from 'vscode';
import { DirtyDocumentError, type FileOverlays } from './fileOverlay';
import { relativePath } from './workspaceFiles';

export async function showProposedInFileCommand(root: string, overlays: FileOverlays, arg: unknown): Promise<'shown' | 'hidden' | 'refused'> {
  const named = typeof (arg as { file?: unknown } | undefined)?.file === 'string' ? (arg as { file: string }).file : undefined;
  const active = vscode.window.activeTextEditor;
  const path = named ?? (active ? relativePath(root, active.document.uri) : undefined);
  if (!path) throw new Error('open a file with proposed changes first (its CodeLens says "Accept File")');
  try {
    return await overlays.toggle(path);
  } catch (err) {
    if (!(err instanceof DirtyDocumentError)) throw err;
    const inline = 'Open Inline Review';
    void vscode.window.showWarningMessage(`CodeCompanion: ${err.message}.`, inline).then((choice) => (choice === inline ? vscode.commands.executeCommand('codecompanion.reviewInline', { file: path }) : undefined));
    return 'refused';
  }
}
