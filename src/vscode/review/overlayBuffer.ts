// The file under a file overlay as it is on disk, and giving back clean a buffer that holds exactly
// that file: what the overlay needs to recognise its own lines in a buffer it did not lay (a window
// reload restores dirty buffers as they were) and to leave no buffer dirty with the disk's own text.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as vscode from 'vscode';

export interface DiskText {
  /** The file's text as decoded, BOM and line endings as they are. */
  readonly raw: string;
  /** As the editor holds it: no BOM, every line ending the document's own (VS Code makes a mixed file's endings one on load). */
  readonly text: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function diskText(doc: vscode.TextDocument): DiskText | undefined {
  let raw: string;
  try {
    raw = utf8.decode(fs.readFileSync(doc.uri.fsPath));
  } catch {
    return undefined;
  }
  const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  return { raw, text: raw.replace(/^\uFEFF/, '').replace(/\r?\n/g, eol) };
}

export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Makes a dirty buffer that holds exactly the file on disk clean, and says whether it is. A visible
 * one is reverted (File: Revert works on the active editor only); a hidden one is saved, but only
 * when the save writes the very bytes on disk: the same text and endings (not a file that mixes
 * them, which the editor has made one), the same BOM, and no save participant configured that could
 * change it (format on save, code actions, whitespace and final-newline trimming).
 */
export async function cleanBuffer(doc: vscode.TextDocument): Promise<boolean> {
  if (doc.isClosed || !doc.isDirty) return true;
  const disk = diskText(doc);
  if (!disk || doc.getText() !== disk.text) return false;
  const editor = vscode.window.visibleTextEditors.find((e) => e.document === doc);
  if (editor) {
    const previous = vscode.window.activeTextEditor;
    await vscode.window.showTextDocument(doc, { viewColumn: editor.viewColumn, preserveFocus: false, preview: false });
    if (vscode.window.activeTextEditor?.document === doc) await vscode.commands.executeCommand('workbench.action.files.revert');
    if (previous && previous.document !== doc && !previous.document.isClosed) await vscode.window.showTextDocument(previous.document, { viewColumn: previous.viewColumn, preserveFocus: false, preview: false });
    return !doc.isDirty;
  }
  if (!savesSameBytes(doc, disk.raw)) return false;
  return (await doc.save()) && !doc.isDirty;
}

function savesSameBytes(doc: vscode.TextDocument, raw: string): boolean {
  const bom = raw.startsWith('\uFEFF');
  if ((bom ? raw.slice(1) : raw) !== doc.getText()) return false;
  const files = vscode.workspace.getConfiguration('files', doc);
  const editor = vscode.workspace.getConfiguration('editor', doc);
  if (files.get<string>('encoding', 'utf8') !== (bom ? 'utf8bom' : 'utf8') && !(bom && files.get<string>('encoding', 'utf8') === 'utf8')) return false;
  if (files.get<boolean>('trimTrailingWhitespace') || files.get<boolean>('insertFinalNewline') || files.get<boolean>('trimFinalNewlines')) return false;
  if (editor.get<boolean>('formatOnSave')) return false;
  const actions = editor.get<unknown>('codeActionsOnSave');
  if (Array.isArray(actions) ? actions.length > 0 : actions && typeof actions === 'object' && Object.values(actions).some((v) => v !== false && v !== 'never')) return false;
  return true;
}
