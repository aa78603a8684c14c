// The review where the code is: CodeLens "Accept | Reject" above each pending hunk and at the top
// of each file; in the file, decorations marking the lines a hunk would replace (gutter, background,
// ruler) or where it would insert; in the inline review (the file with each hunk's proposed lines
// under the lines they replace) and in a file with those lines laid over its buffer (fileOverlay.ts),
// removed lines red and proposed lines green.
import * as vscode from 'vscode';
import { locate } from '../../app/review/hunks';
import { sendBackCandidates } from '../../app/review/sendBack';
import { inlineView, proposedBlocks, type InlineBlock, type InlineView } from '../../core/review/inlineView';
import type { ReviewController } from './reviewController';
import { onDidChangeOverlaid, overlaidBase } from './overlaidDocuments';
import { PROPOSED_SCHEME, pathOfProposed, sideOf, type ProposedSide } from './proposedUri';
import { currentFile, relativePath } from './workspaceFiles';
import type { FileText } from '../../core/patch/fileText';

export interface Placed {
  readonly id: string;
  readonly patchId: string;
  readonly index: number;
  readonly line: number;
  readonly removed: number;
  readonly added: number;
  readonly newLines: readonly string[];
}

/** The pending hunks of a file where they sit in it now, or in `text` when given (line: 0-based first line they replace or insert before), in file order. */
export function placedHunks(root: string, review: ReviewController, path: string, text?: FileText): Placed[] {
  const refs = review.pendingIn(path);
  const file = refs.length ? (text ?? currentFile(root, path)) : undefined;
  const out: Placed[] = [];
  for (const { patch, hunk } of refs) {
    const line = file ? locate(file.lines, hunk, hunk.oldStart) : 0;
    if (line !== undefined) out.push({ id: hunk.id, patchId: patch.patchId, index: hunk.index, line, removed: hunk.oldLines.length, added: hunk.newLines.length, newLines: hunk.newLines });
  }
  return out.sort((a, b) => a.line - b.line);
}

/** The file as it is with each pending hunk's proposed lines under the lines they would replace. */
export function inlineOf(root: string, review: ReviewController, path: string): InlineView {
  return inlineView(currentFile(root, path)?.lines ?? [], placedHunks(root, review, path));
}

/** A pending hunk where a document shows it: `line` its first line there, `span` how many lines it covers. */
export interface HunkSpot {
  readonly id: string;
  readonly patchId: string;
  readonly index: number;
  readonly line: number;
  readonly span: number;
  readonly removed: number;
  readonly added: number;
}

/**
 * The pending hunks of a document, in its own lines: the file (the lines each would replace), the
 * inline review (its removed and proposed lines) or the proposed side of the diff editor (its
 * proposed lines, shifted by the hunks above it).
 */
export function hunkSpots(root: string, review: ReviewController, uri: vscode.Uri): HunkSpot[] {
  const path = uri.scheme === PROPOSED_SCHEME ? pathOfProposed(uri) : relativePath(root, uri);
  if (!path) return [];
  const placed = placedHunks(root, review, path);
  const side = sideOfDocument(uri);
  const byId = new Map(placed.map((h) => [h.id, h]));
  const spot = (b: InlineBlock, span: number): HunkSpot => {
    const h = byId.get(b.id)!;
    return { id: h.id, patchId: h.patchId, index: h.index, line: b.start, span, removed: h.removed, added: h.added };
  };
  if (side === 'inline') return inlineView(currentFile(root, path)?.lines ?? [], placed).blocks.map((b) => spot(b, b.removed + b.added));
  if (side === 'proposed') return proposedBlocks(placed).map((b) => spot(b, b.added));
  return placed.map((h) => ({ id: h.id, patchId: h.patchId, index: h.index, line: h.line, span: h.removed, removed: h.removed, added: h.added }));
}

/** How a document shows its file's hunks: a file with the proposed lines laid over it shows them as the inline review does. */
function sideOfDocument(uri: vscode.Uri): ProposedSide {
  if (uri.scheme === PROPOSED_SCHEME) return sideOf(uri);
  return overlaidBase(uri) !== undefined ? 'inline' : 'base';
}

export class ReviewCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly _onDidChange = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this._onDidChange.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly root: string, private readonly review: ReviewController) {
    this.subscriptions = [review.onDidChange(() => this._onDidChange.fire()), onDidChangeOverlaid(() => this._onDidChange.fire())];
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this._onDidChange.dispose();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const path = doc.uri.scheme === PROPOSED_SCHEME ? pathOfProposed(doc.uri) : relativePath(this.root, doc.uri);
    if (!path) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const sendBack = sendBackCandidates(this.review.state ?? { runId: '', objective: '', patches: [] })
      .filter((p) => p.files.some((f) => f.path === path))
      .map((p) => new vscode.CodeLens(top, { title: `$(reply) Send back to ${p.provider}/${p.model}`, tooltip: `Send what you rejected in ${p.patchId}, with your reasons, back to the agent that wrote it`, command: 'codecompanion.sendBack', arguments: [{ patchId: p.patchId, interactive: true }] }));
    const refs = this.review.pendingIn(path);
    if (refs.length === 0) return sendBack;
    const patches = [...new Set(refs.map((r) => r.patch.patchId))];
    const lenses = [
      ...sendBack,
      new vscode.CodeLens(top, { title: `$(check-all) Accept File (${refs.length})`, command: 'codecompanion.acceptFile', arguments: [{ file: path }] }),
      new vscode.CodeLens(top, { title: '$(close-all) Reject File', command: 'codecompanion.rejectFile', arguments: [{ file: path, askReason: true }] }),
      ...(doc.uri.scheme === 'file'
        ? [
            overlaidBase(doc.uri) !== undefined
              ? new vscode.CodeLens(top, { title: '$(eye-closed) Hide Proposed Lines', tooltip: 'Take the proposed lines out of this file (they were never saved)', command: 'codecompanion.showProposedInFile', arguments: [{ file: path }] })
              : new vscode.CodeLens(top, { title: '$(diff-single) Show in File', tooltip: 'Put the proposed lines in this file, green under the red lines they replace; a save writes the file without them', command: 'codecompanion.showProposedInFile', arguments: [{ file: path }] }),
            new vscode.CodeLens(top, { title: '$(eye) Inline', tooltip: 'See the proposed lines in a separate read-only document, green under the red lines they replace', command: 'codecompanion.reviewInline', arguments: [{ file: path }] }),
          ]
        : []),
      new vscode.CodeLens(top, { title: `$(diff) ${refs[0]!.patch.summary.slice(0, 80)}${patches.length > 1 ? ` (+${patches.length - 1} patch)` : ''}`, command: 'codecompanion.reviewFile', arguments: [{ file: path }] }),
    ];
    for (const h of hunkSpots(this.root, this.review, doc.uri)) {
      const line = Math.max(0, Math.min(h.line, doc.lineCount - 1));
      const at = new vscode.Range(line, 0, line, 0);
      const what = `${h.removed ? `-${h.removed}` : ''}${h.added ? ` +${h.added}` : ''}`.trim();
      lenses.push(
        new vscode.CodeLens(at, { title: `$(check) Accept`, tooltip: `Accept hunk ${h.index + 1} of ${h.patchId} (${what})`, command: 'codecompanion.acceptHunk', arguments: [{ hunk: h.id }] }),
        new vscode.CodeLens(at, { title: `$(close) Reject`, tooltip: `Reject hunk ${h.index + 1}; you can say why, for the agent`, command: 'codecompanion.rejectHunk', arguments: [{ hunk: h.id, askReason: true }] }),
        new vscode.CodeLens(at, { title: what, command: '' }),
      );
    }
    return lenses;
  }
}

export class ReviewDecorations implements vscode.Disposable {
  private readonly replaced: vscode.TextEditorDecorationType;
  private readonly inserted: vscode.TextEditorDecorationType;
  private readonly proposed: vscode.TextEditorDecorationType;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly root: string, private readonly review: ReviewController, extensionUri: vscode.Uri) {
    const gutterIconPath = vscode.Uri.joinPath(extensionUri, 'media', 'hunk.svg');
    this.replaced = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('diffEditor.removedLineBackground'),
      overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.deletedForeground'),
      overviewRulerLane: vscode.OverviewRulerLane.Left,
      gutterIconPath,
    });
    this.inserted = vscode.window.createTextEditorDecorationType({
      gutterIconPath,
      overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.addedForeground'),
      overviewRulerLane: vscode.OverviewRulerLane.Left,
      after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2em' },
    });
    this.proposed = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('diffEditor.insertedLineBackground'),
      overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.addedForeground'),
      overviewRulerLane: vscode.OverviewRulerLane.Left,
    });
    this.disposables.push(
      this.replaced,
      this.inserted,
      this.proposed,
      review.onDidChange(() => this.refreshAll()),
      onDidChangeOverlaid(() => this.refreshAll()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshAll()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        for (const ed of vscode.window.visibleTextEditors) if (ed.document === e.document) this.refresh(ed);
      }),
    );
    this.refreshAll();
  }

  private refreshAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.refresh(editor);
  }

  private refresh(editor: vscode.TextEditor): void {
    const uri = editor.document.uri;
    if (uri.scheme === PROPOSED_SCHEME || sideOfDocument(uri) === 'inline') {
      // the diff editor colours its own sides; the inline review and a file showing its proposed lines are coloured here
      if (sideOfDocument(uri) !== 'inline') return;
      editor.setDecorations(this.inserted, []);
      const spots = hunkSpots(this.root, this.review, uri);
      const last = editor.document.lineCount - 1;
      const lines = (from: number, count: number) => new vscode.Range(Math.min(from, last), 0, Math.min(last, from + count - 1), 0);
      editor.setDecorations(this.replaced, spots.filter((h) => h.removed > 0).map((h) => ({ range: lines(h.line, h.removed), hoverMessage: `removed if you accept (hunk ${h.index + 1} of ${h.patchId})` })));
      editor.setDecorations(this.proposed, spots.filter((h) => h.added > 0).map((h) => ({ range: lines(h.line + h.removed, h.added), hoverMessage: `proposed by ${h.patchId} (hunk ${h.index + 1})` })));
      return;
    }
    const path = relativePath(this.root, uri);
    const hunks = path ? placedHunks(this.root, this.review, path) : [];
    const last = editor.document.lineCount - 1;
    const replaced = hunks.filter((h) => h.removed > 0).map((h) => ({ range: new vscode.Range(h.line, 0, Math.min(last, h.line + h.removed - 1), 0), hoverMessage: `CodeCompanion proposes to replace these ${h.removed} line(s) with ${h.added} (${h.patchId}); CodeLens "Inline" shows them` }));
    // the note goes after the text of the line above the insertion, never in front of the code
    const inserted = hunks
      .filter((h) => h.removed === 0)
      .map((h) => {
        const line = Math.max(0, Math.min(last, h.line - 1));
        const end = editor.document.lineAt(line).range.end;
        return { range: new vscode.Range(end, end), renderOptions: { after: { contentText: `⊕ ${h.added} line(s) proposed below (${h.patchId})` } } };
      });
    editor.setDecorations(this.replaced, replaced);
    editor.setDecorations(this.inserted, inserted);
    editor.setDecorations(this.proposed, []);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
