// The review's files as the editor has them: reads see unsaved buffers, writes go through one
// WorkspaceEdit (undoable) and are saved, so the disk has what the log records.
import * as vscode from 'vscode';
import type { FileOperation } from '../../app/review/checkpoint';
import type { ReviewFiles } from '../../app/review/reviewService';
import type { FileText } from '../../core/patch/fileText';
import { addLineEdits, applyAndSave, currentFile, currentText, fileUri } from './workspaceFiles';

export class EditorReviewFiles implements ReviewFiles {
  constructor(private readonly root: string) {}

  read(path: string): FileText | undefined {
    return currentFile(this.root, path);
  }

  text(path: string): string | undefined {
    return currentText(this.root, path);
  }

  async write(operations: readonly FileOperation[], label: string): Promise<void> {
    const edit = new vscode.WorkspaceEdit();
    for (const op of operations) {
      if (op.kind === 'write') {
        const now = currentFile(this.root, op.path);
        if (!now) throw new Error(`${label}: ${op.path} is gone`);
        addLineEdits(edit, fileUri(this.root, op.path), now, op.after);
      } else if (op.kind === 'delete') edit.deleteFile(fileUri(this.root, op.path));
      else if (op.kind === 'create') edit.createFile(fileUri(this.root, op.path), { contents: new TextEncoder().encode(op.content) });
      else {
        edit.renameFile(fileUri(this.root, op.from), fileUri(this.root, op.to));
        const now = currentText(this.root, op.from) ?? '';
        if (now !== op.content) edit.replace(fileUri(this.root, op.to), fullRange(now), op.content);
      }
    }
    await applyAndSave(edit, label);
  }
}

function fullRange(text: string): vscode.Range {
  const lines = text.split('\n');
  return new vscode.Range(0, 0, lines.length - 1, lines[lines.length - 1]!.length);
}
