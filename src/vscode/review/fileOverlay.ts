// The proposed lines in the file itself, as Continue and Cursor show a change: the inline view laid
// over the file's own (saved, clean) buffer in one edit, removed lines red and proposed lines green.
// Unaccepted model output must never reach the disk, so the overlay is reversible at every step:
// a save takes the proposed lines out first (and the overlay ends with it), a user's edit ends it
// keeping the edit, a decision or the review's end withdraws it (the buffer back to the file on
// disk, clean), and an undo that brings the lines back brings the overlay (and its guard) back.
// A window reload restores a dirty buffer as it was, proposed lines in, and this extension's state
// fresh: a buffer that is exactly the overlay of the file on disk is adopted (guard, decorations);
// one that is exactly an overlay laid here before (its digest is kept in workspaceState) but no
// longer matches the review (hunks decided meanwhile) is given back the file on disk, then laid again.
import * as vscode from 'vscode';
import { encodeFile, parseText, type FileText } from '../../core/patch/fileText';
import { inlineView, type InlineView } from '../../core/review/inlineView';
import { overlayTrack, takeOut, trackChanges, type OverlayTrack, type TextChange } from '../../core/review/overlay';
import { placedHunks } from './inlineReview';
import { setOverlaid } from './overlaidDocuments';
import type { ReviewController } from './reviewController';
import { cleanBuffer, diskText, LaidOverlays, restoreBytes } from './overlayBuffer';
import { addLineEdits, fileUri, relativePath } from './workspaceFiles';

interface Overlay {
  readonly doc: vscode.TextDocument;
  readonly path: string;
  /** The file's text: the buffer as it was before the overlay. */
  readonly base: string;
  /** The buffer's text with the proposed lines in, as put there. */
  readonly text: string;
  /** The file's own bytes (decoded) under `base`: a save gives back line endings the editor made one. */
  readonly raw?: string;
  readonly initial: OverlayTrack;
  track: OverlayTrack;
  /** active: as put in; ending: a user's edit or a withdrawal is taking the lines out; saving: a save is. */
  state: 'showing' | 'active' | 'ending' | 'saving';
  /** Changes seen while an edit of ours is in flight: ours or the user's, told apart once it returns. */
  queue?: Array<{ version: number; changes: TextChange[] }>;
}

/** The overlay cannot go in this buffer now (unsaved changes, auto-save after delay): the inline review is offered instead. */
export class DirtyDocumentError extends Error {}

export class FileOverlays implements vscode.Disposable {
  private readonly overlays = new Map<string, Overlay>();
  /** Overlays withdrawn from documents still open: an undo can bring their text back. */
  private readonly withdrawn = new Map<string, Pick<Overlay, 'path' | 'base' | 'text' | 'raw' | 'initial'>>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Buffers restored with an overlay that no longer matches the review: the file on disk they are being given back. */
  private readonly stale = new Map<string, string>();
  private serial: Promise<unknown> = Promise.resolve();
  private deciding = 0;
  /** Until the review is read, no restored overlay can be told stale (it has no hunks yet). */
  private reviewRead = false;
  private readonly laid: LaidOverlays;

  constructor(private readonly root: string, private readonly review: ReviewController, private readonly output: vscode.LogOutputChannel, memory?: vscode.Memento) {
    this.laid = new LaidOverlays(memory);
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.adopt(d)),
      vscode.workspace.onWillSaveTextDocument((e) => this.willSave(e)),
      vscode.workspace.onDidSaveTextDocument((d) => void this.didSave(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.changed(e)),
      vscode.workspace.onDidCloseTextDocument((d) => this.closed(d)),
      review.onDidChange(() => void this.run(() => this.resync())),
    );
    review.aroundDecisions((decide) => this.around(decide));
    this.undoUnguardedSaves(); // before any buffer is adopted: a file saved with its lines in is given its own text back
    // at once, before anything reads these buffers as their files (hot exit restored them before activation),
    // and again once the review is read (activation reads it once it has returned)
    this.adoptAll();
    const later = setTimeout(() => void review.start().then(() => {
      this.reviewRead = true;
      this.adoptAll();
    }), 0);
    this.disposables.push({ dispose: () => clearTimeout(later) });
  }

  isShown(uri: vscode.Uri): boolean {
    return this.overlays.has(uri.toString());
  }

  /** Shows the proposed lines in the file, or takes them out if they are shown. */
  toggle(path: string): Promise<'shown' | 'hidden'> {
    return this.run(async () => {
      const o = this.overlays.get(fileUri(this.root, path).toString());
      if (o) {
        await this.withdraw(o, 'hidden');
        return 'hidden';
      }
      await this.show(path);
      return 'shown';
    });
  }

  /** Leaves the buffers as they are (a window closing keeps them for hot exit) and forgets them, the record of what was laid excepted. */
  dispose(): void {
    for (const key of [...this.overlays.keys(), ...this.stale.keys()]) setOverlaid(vscode.Uri.parse(key), undefined);
    this.overlays.clear();
    this.stale.clear();
    this.withdrawn.clear();
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
    this.review.aroundDecisions((decide) => decide());
  }

  private run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.serial.then(fn, fn);
    this.serial = next.catch(() => undefined);
    return next;
  }

  private viewOf(path: string, base: string): { file: FileText; view: InlineView; text: string } | undefined {
    const file = parseText(base.replace(/^\uFEFF/, ''), base.startsWith('\uFEFF'));
    const placed = placedHunks(this.root, this.review, path, file);
    if (placed.length === 0) return undefined;
    const view = inlineView(file.lines, placed);
    return { file, view, text: encodeFile({ ...file, eols: undefined, lines: [...view.lines] }) };
  }

  private async show(path: string): Promise<void> {
    const uri = fileUri(this.root, path);
    const doc = await vscode.workspace.openTextDocument(uri);
    // an auto-save a second after each change would end the overlay as soon as it is shown (the save writes the file without the lines)
    if (vscode.workspace.getConfiguration('files', doc).get<string>('autoSave') === 'afterDelay') throw new DirtyDocumentError(`${path} is saved automatically after each change (files.autoSave is afterDelay), and a save takes the proposed lines out, so they cannot stay in the file. Set files.autoSave to off or onFocusChange for that, or see them in the inline review`);
    if (doc.isDirty) throw new DirtyDocumentError(`${path} has unsaved changes: the proposed lines go into a saved file only, so that no save can ever write them. Save or revert it first, or see them in the inline review`);
    const base = doc.getText();
    const laid = this.viewOf(path, base);
    if (!laid) throw new Error(`no change is waiting for review in ${path}`);
    const disk = diskText(doc);
    const o: Overlay = { doc, path, base, text: laid.text, raw: disk?.text === base ? disk.raw : undefined, initial: overlayTrack(laid.view), track: overlayTrack(laid.view), state: 'showing' };
    this.overlays.set(uri.toString(), o);
    this.withdrawn.delete(uri.toString());
    setOverlaid(uri, base);
    const { ok, foreign } = await this.ours(o, (edit) => addLineEdits(edit, uri, laid.file, laid.view.lines));
    if (!ok) {
      this.end(o);
      throw new Error(`${path} changed while the proposed lines went in: try again`);
    }
    o.state = 'active';
    setOverlaid(uri, base); // again, now that the buffer has the lines: CodeLens and decorations follow
    this.laid.record(o.doc.uri, o.text, o.raw ?? o.base);
    if (foreign.length) this.userEdited(o, foreign);
    else this.output.info(`review: proposed lines of ${path} shown in the file (${o.initial.proposed.length} hunk(s)); a save writes the file without them`);
  }

  /** Takes the proposed lines out and gives the buffer back clean (the file on disk), when no one edited it. */
  private async withdraw(o: Overlay, why: string): Promise<void> {
    this.output.info(`review: proposed lines of ${o.path} taken out of the file (${why})`);
    if (o.state === 'active') {
      o.state = 'ending';
      await this.takeOutNow(o);
    }
    this.end(o);
    this.remember(o);
    // the buffer is the file on disk but dirty (our edits): made clean, with nothing lost
    if (!o.doc.isClosed && o.doc.isDirty && o.doc.getText() === o.base) await cleanBuffer(o.doc);
  }

  /**
   * A dirty buffer this session did not lay (a window reload restored it): exactly the overlay of the
   * file on disk for its pending hunks, it becomes an overlay again, guard and decorations; exactly an
   * overlay laid here before that no longer matches (hunks decided meanwhile), every line of it is ours,
   * so it is given the file on disk back (then laid again if hunks are left), and meanwhile a save
   * writes the file on disk. Any other dirty buffer is the user's, left alone.
   */
  private adopt(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    if (doc.isClosed || !doc.isDirty || this.overlays.has(key) || this.stale.has(key)) return;
    const path = relativePath(this.root, doc.uri);
    if (!path) return;
    const text = doc.getText();
    // the digest (the whole buffer hashed) only where no hunk is pending, or once the buffer is not the overlay
    const known = () => this.laid.has(doc.uri, text);
    if (this.review.pendingIn(path).length === 0 && !known()) return;
    const disk = diskText(doc);
    if (!disk) return;
    const laid = this.viewOf(path, disk.text);
    if (laid && laid.text === text) {
      const o: Overlay = { doc, path, base: disk.text, text, raw: disk.raw, initial: overlayTrack(laid.view), track: overlayTrack(laid.view), state: 'active' };
      this.overlays.set(key, o);
      this.withdrawn.delete(key);
      setOverlaid(doc.uri, disk.text);
      this.laid.record(o.doc.uri, o.text, o.raw ?? o.base);
      this.output.info(`review: ${path} was restored with its proposed lines in (a window reload): shown again, a save writes the file without them`);
      return;
    }
    if (!this.reviewRead || !known()) return;
    this.stale.set(key, disk.text);
    setOverlaid(doc.uri, disk.text);
    this.output.warn(`review: ${path} was restored with proposed lines the review no longer has (decided meanwhile): giving it back the file on disk`);
    void this.run(() => this.giveBack(doc, path, disk.text));
  }

  private async giveBack(doc: vscode.TextDocument, path: string, disk: string): Promise<void> {
    const key = doc.uri.toString();
    try {
      if (!doc.isClosed && doc.getText() !== disk) {
        const edit = new vscode.WorkspaceEdit();
        edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), disk);
        await vscode.workspace.applyEdit(edit);
      }
      const clean = await cleanBuffer(doc);
      this.stale.delete(key);
      setOverlaid(doc.uri, undefined);
      this.laid.forget(doc.uri);
      if (clean && placedHunks(this.root, this.review, path).length) await this.show(path);
    } catch (err) {
      this.stale.delete(key);
      setOverlaid(doc.uri, undefined);
      void vscode.window.showErrorMessage(`CodeCompanion: ${path} was restored with unaccepted proposed lines, and giving it back the file on disk failed (${(err as Error).message}). Do not save it; revert it (File: Revert File).`);
    }
  }

  private undoUnguardedSaves(): void {
    for (const uri of this.laid.undoUnguardedSaves()) {
      const path = relativePath(this.root, uri) ?? uri.fsPath;
      this.output.warn(`review: ${path} was saved with unaccepted proposed lines in it, by a save no guard saw (VS Code saving as the window closed): written back as it was under them`);
      void vscode.window.showWarningMessage(`CodeCompanion: ${path} was saved with its proposed lines still in it as the window closed (VS Code runs no save guard then). It is back as it was before they were shown; the changes still wait for your review.`);
    }
  }

  private adoptAll(): void {
    if (this.disposables.length === 0) return; // disposed
    for (const d of vscode.workspace.textDocuments) this.adopt(d);
  }

  private remember(o: Overlay): void {
    if (!o.doc.isClosed) this.withdrawn.set(o.doc.uri.toString(), { path: o.path, base: o.base, text: o.text, raw: o.raw, initial: o.initial });
  }

  private end(o: Overlay): void {
    if (this.overlays.get(o.doc.uri.toString()) !== o) return;
    this.overlays.delete(o.doc.uri.toString());
    setOverlaid(o.doc.uri, undefined);
    this.laid.forget(o.doc.uri);
  }

  /** Applies an edit of ours; changes seen meanwhile are the user's when it failed, or when they came after it. */
  private async ours(o: Overlay, build: (edit: vscode.WorkspaceEdit) => void): Promise<{ ok: boolean; foreign: TextChange[] }> {
    const before = o.doc.version;
    o.queue = [];
    let ok = false;
    try {
      const edit = new vscode.WorkspaceEdit();
      build(edit);
      // the edit carries the document's version: VS Code refuses it if the user typed in between
      ok = await vscode.workspace.applyEdit(edit);
    } catch (err) {
      this.output.warn(`review: the file overlay's edit of ${o.path} failed: ${(err as Error).message}`);
    }
    const seen = o.queue;
    o.queue = undefined;
    return { ok, foreign: seen.filter((s) => !ok || s.version > before + 1).flatMap((s) => s.changes) };
  }

  /** Takes the intact proposed lines out of the buffer, following the user's edits until the edit lands. */
  private async takeOutNow(o: Overlay): Promise<readonly string[]> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const out = takeOut(o.track, linesOf(o.doc));
      if (out.edits.length === 0) return out.touched;
      const { ok, foreign } = await this.ours(o, (edit) => {
        for (const e of out.edits) edit.delete(o.doc.uri, new vscode.Range(e.startLine, e.startChar, e.endLine, e.endChar));
      });
      if (ok) return out.touched;
      o.track = trackChanges(o.track, foreign);
    }
    throw new Error(`could not take the proposed lines out of ${o.path}: it keeps changing. Do not save it; revert it (File: Revert File)`);
  }

  private changed(e: vscode.TextDocumentChangeEvent): void {
    if (e.contentChanges.length === 0) return;
    const key = e.document.uri.toString();
    const o = this.overlays.get(key);
    const changes = e.contentChanges.map(toChange);
    if (!o) return this.maybeUndone(e.document);
    if (o.queue) {
      o.queue.push({ version: e.document.version, changes });
      return;
    }
    if (o.state === 'saving') {
      o.track = trackChanges(o.track, changes);
      return;
    }
    if (o.state === 'active') this.userEdited(o, changes);
    else o.track = trackChanges(o.track, changes);
  }

  /** A change the overlay did not make ends it, keeping the change; an undo back to the file just ends it. */
  private userEdited(o: Overlay, changes: readonly TextChange[]): void {
    this.output.info(`review: an edit of ${o.path} the overlay did not make ends it (${changes.length} change(s))`);
    o.track = trackChanges(o.track, changes);
    if (o.doc.getText() === o.base) {
      this.end(o);
      this.remember(o);
      return;
    }
    o.state = 'ending';
    void this.run(async () => {
      const touched = await this.takeOutNow(o);
      this.end(o);
      this.remember(o);
      if (touched.length) void vscode.window.showWarningMessage(`CodeCompanion: you edited proposed lines of ${o.path}, so they stay in the file as you left them (unsaved, not accepted). The other proposed lines were taken out; your edit is kept.`);
      else void vscode.window.showInformationMessage(`CodeCompanion: your edit ended the proposed lines in ${o.path}; they were taken out, your edit is kept. Show them again once the file is saved.`);
    }).catch((err: Error) => void vscode.window.showErrorMessage(`CodeCompanion: ${err.message}`));
  }

  /** An undo that brings the overlay's text back brings the overlay back, with its save guard (laid again or withdrawn if the review moved on). */
  private maybeUndone(doc: vscode.TextDocument): void {
    const gone = this.withdrawn.get(doc.uri.toString());
    if (!gone || doc.getText() !== gone.text) return;
    // the same text is the file itself once a decision wrote it (an accepted insertion is the view of the file before it):
    // the lines are the overlay's only while the file on disk is still the one they were laid over
    if (this.deciding || diskText(doc)?.text !== gone.base) return void this.withdrawn.delete(doc.uri.toString());
    const o: Overlay = { doc, path: gone.path, base: gone.base, text: gone.text, raw: gone.raw, initial: gone.initial, track: gone.initial, state: 'active' };
    this.overlays.set(doc.uri.toString(), o);
    this.withdrawn.delete(doc.uri.toString());
    setOverlaid(doc.uri, gone.base);
    this.laid.record(o.doc.uri, o.text, o.raw ?? o.base);
    this.output.info(`review: an undo brought the proposed lines of ${gone.path} back into the file: shown again, a save still writes the file without them`);
    void this.run(() => this.resync());
  }

  private willSave(e: vscode.TextDocumentWillSaveEvent): void {
    const disk = this.stale.get(e.document.uri.toString());
    if (disk !== undefined) return e.waitUntil(Promise.resolve([vscode.TextEdit.replace(new vscode.Range(0, 0, e.document.lineCount, 0), disk)]));
    const o = this.overlays.get(e.document.uri.toString());
    if (!o) return;
    // computed now, against the document being saved: the file without the proposed lines is what is written
    const track = o.state === 'active' && e.document.getText() === o.text ? o.initial : o.track;
    const out = takeOut(track, linesOf(e.document));
    o.state = 'saving';
    o.track = track;
    this.output.info(`review: ${o.path} saved without its proposed lines (${out.removed.length} hunk(s) taken out); the overlay ends`);
    e.waitUntil(Promise.resolve(out.edits.map((c) => vscode.TextEdit.delete(new vscode.Range(c.startLine, c.startChar, c.endLine, c.endChar)))));
  }

  private async didSave(doc: vscode.TextDocument): Promise<void> {
    const o = this.overlays.get(doc.uri.toString());
    if (!o) return;
    // still active: the save never asked the guard (willSave sets 'saving'), so the lines are in what it wrote
    const skipped = o.state === 'active';
    const left = skipped ? takeOut(o.track, linesOf(doc)) : undefined;
    this.end(o);
    this.remember(o);
    // the file's own text was written, its line endings made one (the editor does that to a file mixing them): its bytes back
    if (!skipped && o.raw !== undefined && doc.getText() === o.base) await this.run(() => restoreBytes(doc, o.raw!));
    if (!left?.removed.length) return;
    // the save ran without its participants (File: Save without Formatting) or past their time:
    // the proposed lines reached the disk. Take them out and save again, and say so plainly.
    this.output.error(`review: ${o.path} was saved with proposed lines in it (the save skipped CodeCompanion's guard); writing the file without them`);
    const edit = new vscode.WorkspaceEdit();
    for (const c of left.edits) edit.delete(doc.uri, new vscode.Range(c.startLine, c.startChar, c.endLine, c.endChar));
    if ((await vscode.workspace.applyEdit(edit)) && (await doc.save())) void vscode.window.showWarningMessage(`CodeCompanion: ${o.path} was saved without CodeCompanion's save guard, so the proposed lines reached the disk for a moment; the file was written again without them.`);
    else void vscode.window.showErrorMessage(`CodeCompanion: ${o.path} on disk has unaccepted proposed lines (it was saved without the save guard). Revert them with Undo and save.`);
  }

  private closed(doc: vscode.TextDocument): void {
    const o = this.overlays.get(doc.uri.toString());
    if (o) this.end(o);
    this.withdrawn.delete(doc.uri.toString());
    this.stale.delete(doc.uri.toString());
  }

  /** Decisions write the file: the overlays come out first, and go back in where hunks are left. */
  private async around<T>(decide: () => Promise<T>): Promise<T> {
    const paths = await this.run(async () => {
      const shown = [...this.overlays.values()];
      for (const o of shown) await this.withdraw(o, 'a decision writes the file');
      return shown.map((o) => o.path);
    });
    this.deciding++;
    try {
      return await decide();
    } finally {
      this.deciding--;
      void this.run(async () => {
        for (const path of paths) await this.show(path).catch((err: Error) => this.output.info(`review: proposed lines of ${path} not shown again: ${err.message}`));
        this.adoptAll();
      });
    }
  }

  /** The review changed elsewhere (the CLI, another window, the run's end): an overlay that no longer matches is laid again, or withdrawn. */
  private async resync(): Promise<void> {
    if (this.deciding) return;
    this.adoptAll();
    for (const o of [...this.overlays.values()]) {
      if (o.state !== 'active') continue;
      if (this.viewOf(o.path, o.base)?.text === o.text) continue;
      await this.withdraw(o, 'the review changed');
      if (placedHunks(this.root, this.review, o.path).length) await this.show(o.path).catch((err: Error) => this.output.info(`review: proposed lines of ${o.path} not shown again: ${err.message}`));
    }
  }
}

function linesOf(doc: vscode.TextDocument): string[] {
  return Array.from({ length: doc.lineCount }, (_, i) => doc.lineAt(i).text);
}

function toChange(c: vscode.TextDocumentContentChangeEvent): TextChange {
  return { startLine: c.range.start.line, startChar: c.range.start.character, endLine: c.range.end.line, endChar: c.range.end.character, text: c.text };
}
