// The file under a file overlay as it is on disk, giving back clean a buffer that holds exactly
// that file, and the record of what was laid that outlives a window: what the overlay needs to recognise its own lines in a buffer it did not lay (a window
// reload restores dirty buffers as they were) and to leave no buffer dirty with the disk's own text.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export interface DiskText {
  /** The file's text as decoded, BOM and line endings as they are. */
  readonly raw: string;
  /** As the editor holds it: no BOM, every line ending the document's own (VS Code makes a mixed file's endings one on load). */
  readonly text: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function diskText(doc: vscode.TextDocument): DiskText | undefined {
  const raw = readRaw(doc.uri.fsPath);
  return raw === undefined ? undefined : { raw, text: normalized(raw, doc) };
}

/** A file's text as decoded (BOM kept), or undefined when it cannot be read as UTF-8. */
function readRaw(fsPath: string): string | undefined {
  try {
    return utf8.decode(fs.readFileSync(fsPath));
  } catch {
    return undefined;
  }
}

/**
 * workspaceState: for each document with an overlay, the digest of its text as laid (what a window
 * reload may restore) and the file's own text under it (what a save the guard never saw is undone to).
 */
export class LaidOverlays {
  private static readonly KEY = 'codecompanion.fileOverlays.laid';

  constructor(private readonly memory: vscode.Memento | undefined) {}

  has(uri: vscode.Uri, text: string): boolean {
    return this.all()[uri.toString()]?.laid === digest(text);
  }

  record(uri: vscode.Uri, text: string, base: string): void {
    void this.memory?.update(LaidOverlays.KEY, { ...this.all(), [uri.toString()]: { laid: digest(text), base } });
  }

  forget(uri: vscode.Uri): void {
    const { [uri.toString()]: gone, ...rest } = this.all();
    if (gone !== undefined) void this.memory?.update(LaidOverlays.KEY, rest);
  }

  /**
   * Files on disk that hold an overlay's text exactly, red and green lines both: saved with the lines
   * in by a save no guard saw (VS Code runs no save participant when it saves as the window closes,
   * microsoft/vscode#97985). Each is written back to the text it had under the overlay; what was undone
   * is returned, to be told. A file with any other text is left as it is.
   */
  undoUnguardedSaves(): vscode.Uri[] {
    const undone: vscode.Uri[] = [];
    for (const [key, entry] of Object.entries(this.all())) {
      const uri = vscode.Uri.parse(key);
      const now = uri.scheme === 'file' ? readRaw(uri.fsPath) : undefined;
      if (now === undefined || typeof entry?.base !== 'string' || digest(now.replace(/^\uFEFF/, '')) !== entry.laid) continue;
      fs.writeFileSync(uri.fsPath, entry.base);
      this.forget(uri);
      undone.push(uri);
    }
    return undone;
  }

  private all(): Record<string, { laid: string; base: string }> {
    return this.memory?.get<Record<string, { laid: string; base: string }>>(LaidOverlays.KEY, {}) ?? {};
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Makes a dirty buffer that holds exactly the file on disk clean, and says whether it is. A visible
 * one is reverted (File: Revert works on the active editor only); a hidden one is saved, but only
 * when the save writes the very bytes on disk: the same text and line endings (not a file that
 * mixes them, which the editor made one on load: that one is left dirty with the file's own text,
 * closing it asks), and no save participant configured that could change them (format on save, code
 * actions, whitespace and final-newline trimming; the same encoding).
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
  if (disk.raw.replace(/^\uFEFF/, '') !== doc.getText() || !saveKeepsText(doc, disk.raw)) return false;
  return (await doc.save()) && !doc.isDirty;
}

/**
 * After a save that wrote the file's own text with its line endings made one (a file that mixes
 * them), or without its BOM: the file's own bytes written back. Nothing else is ever written: the
 * text on disk must be, endings aside, the document's and `raw`'s both.
 */
export async function restoreBytes(doc: vscode.TextDocument, raw: string): Promise<boolean> {
  const now = diskText(doc);
  if (!now || now.raw === raw || now.text !== doc.getText() || normalized(raw, doc) !== now.text) return false;
  // the editor learns of the write from the file watcher, and reloads the clean buffer: a save before that would find the file newer
  const seen = new Promise<void>((resolve) => {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(doc.uri, '..'), path.basename(doc.uri.fsPath)), true, false, true);
    const done = () => {
      clearTimeout(timer);
      watcher.dispose();
      resolve();
    };
    const timer = setTimeout(done, 10_000);
    watcher.onDidChange(done);
  });
  await vscode.workspace.fs.writeFile(doc.uri, new TextEncoder().encode(raw));
  await seen;
  return true;
}

function normalized(raw: string, doc: vscode.TextDocument): string {
  return raw.replace(/^\uFEFF/, '').replace(/\r?\n/g, doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n');
}

function saveKeepsText(doc: vscode.TextDocument, raw: string): boolean {
  const bom = raw.startsWith('\uFEFF');
  const files = vscode.workspace.getConfiguration('files', doc);
  const editor = vscode.workspace.getConfiguration('editor', doc);
  const encoding = files.get<string>('encoding', 'utf8');
  if (encoding !== 'utf8' && !(bom && encoding === 'utf8bom')) return false;
  if (files.get<boolean>('trimTrailingWhitespace') || files.get<boolean>('insertFinalNewline') || files.get<boolean>('trimFinalNewlines')) return false;
  if (editor.get<boolean>('formatOnSave')) return false;
  const actions = editor.get<unknown>('codeActionsOnSave');
  if (Array.isArray(actions) ? actions.length > 0 : actions && typeof actions === 'object' && Object.values(actions).some((v) => v !== false && v !== 'never')) return false;
  return true;
}
