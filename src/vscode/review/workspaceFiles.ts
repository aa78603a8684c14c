// Reading workspace files as the editor sees them (an open document's unsaved text wins over the
// disk) and writing line-level changes back through a WorkspaceEdit, so undo and dirty state work.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { resolveInside } from '../../core/patch/writeGuard';
import { parseText, type FileText } from '../../core/patch/fileText';
import { textEditsTo, type DocumentLines } from '../../app/review/textEdits';
import { overlaidBase } from './overlaidDocuments';

/** The file's URI; a path that leads outside the workspace (`..`, absolute, a symlink out) is refused, as in the patch engine. */
export function fileUri(root: string, relative: string): vscode.Uri {
  resolveInside(root, relative);
  // the URI keeps the workspace's own spelling of the root (not its realpath), so open documents match
  return vscode.Uri.file(path.join(root, ...relative.split('/')));
}

export function relativePath(root: string, uri: vscode.Uri): string | undefined {
  if (uri.scheme !== 'file') return undefined;
  const rel = path.relative(root, uri.fsPath);
  return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel.split(path.sep).join('/');
}

function openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
}

/** The file's text now (undefined when it does not exist); a buffer with proposed lines laid over it counts without them. */
export function currentText(root: string, relative: string): string | undefined {
  const uri = fileUri(root, relative);
  const doc = openDocument(uri);
  if (doc) return overlaidBase(doc.uri) ?? doc.getText();
  try {
    return fs.readFileSync(uri.fsPath, 'utf8');
  } catch {
    return undefined;
  }
}

export function currentFile(root: string, relative: string): FileText | undefined {
  const text = currentText(root, relative);
  return text === undefined ? undefined : parseText(text.replace(/^\uFEFF/, ''), text.startsWith('\uFEFF'));
}

export function documentLines(file: FileText): DocumentLines {
  return { lines: file.lines, eol: file.eol, finalNewline: file.finalNewline };
}

/** Adds the edits turning `file` into `target` lines to a WorkspaceEdit. */
export function addLineEdits(edit: vscode.WorkspaceEdit, uri: vscode.Uri, file: FileText, target: readonly string[]): void {
  for (const e of textEditsTo(documentLines(file), target)) edit.replace(uri, new vscode.Range(e.startLine, e.startChar, e.endLine, e.endChar), e.text);
}

/** Applies the edit and saves the documents it touched, so the disk has what the editor shows. */
export async function applyAndSave(edit: vscode.WorkspaceEdit, label: string): Promise<boolean> {
  // no early return on edit.size: it counts text edits only, and a lone created file has none
  const ok = await vscode.workspace.applyEdit(edit, { isRefactoring: false });
  if (!ok) throw new Error(`VS Code refused the edit (${label}); the files were left as they were`);
  const touched = new Set(edit.entries().map(([uri]) => uri.toString()));
  await Promise.all(vscode.workspace.textDocuments.filter((d) => touched.has(d.uri.toString()) && d.isDirty).map((d) => d.save()));
  return ok;
}
