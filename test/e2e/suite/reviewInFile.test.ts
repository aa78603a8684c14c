// Proposed lines laid over a file's own buffer (Show Proposed Lines in the File), through the real
// editor API: what reaches the disk, and what the buffer holds, after a save, a user's edit, an
// undo and an accept. Unaccepted lines must never be written.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { eventually, hunks, openDocument, reviewState, root, SAMPLE_OBJECTIVE, saveAll } from './support/workbench';

const TOGGLE = 'codecompanion.showProposedInFile';
const RELOAD = 'codecompanion.internal.reloadFileOverlays';

describe('proposed lines in the file', function () {
  this.timeout(180_000);
  let file: string;
  let disk: string;
  let doc: vscode.TextDocument;
  const onDisk = () => fs.readFileSync(path.join(root(), file), 'utf8');

  async function revert(d: vscode.TextDocument): Promise<void> {
    await vscode.window.showTextDocument(d, { preview: false });
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await eventually(() => !d.isDirty, 30_000, () => `${file} stayed dirty after File: Revert`);
  }

  let autoSave: string | undefined;

  before(async () => {
    // VS Code in the browser saves a second after each change by default; the overlay refuses that (a save ends it)
    autoSave = vscode.workspace.getConfiguration('files').inspect<string>('autoSave')?.workspaceValue;
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Workspace);
    await saveAll();
    const result = await vscode.commands.executeCommand<{ status: string }>('codecompanion.runObjective', { objective: SAMPLE_OBJECTIVE, budgetUsd: 1, apply: false });
    assert.equal(result?.status, 'completed');
    // a modified file with two or more pending hunks (src/server.js in the sample)
    const pending = hunks((await reviewState())!).filter((h) => h.action === 'modify' && h.hunk.decision === 'pending');
    const byFile = new Map<string, number>();
    for (const h of pending) byFile.set(h.file, (byFile.get(h.file) ?? 0) + 1);
    file = [...byFile].find(([, n]) => n >= 2)?.[0] ?? pending[0]!.file;
    doc = await openDocument(file);
    if (doc.isDirty) await revert(doc);
    disk = onDisk();
  });

  after(async () => {
    await vscode.workspace.getConfiguration('files').update('autoSave', autoSave, vscode.ConfigurationTarget.Workspace);
  });

  it('refuses a file saved automatically after each change, and one with unsaved changes', async () => {
    await vscode.workspace.getConfiguration('files').update('autoSave', 'afterDelay', vscode.ConfigurationTarget.Workspace);
    assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'refused');
    assert.equal(doc.getText(), disk, 'a refused overlay changed the buffer');
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Workspace);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), '// unsaved\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'refused');
    assert.equal(doc.getText(), `// unsaved\n${disk}`, 'a refused overlay changed the buffer');
    await revert(doc);
  });

  it('lays the proposed lines over the buffer, writes nothing, and a save writes the file without them', async () => {
    assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'shown');
    const shown = doc.getText();
    assert.ok(shown.length > disk.length, 'no proposed line came into the buffer');
    assert.equal(onDisk(), disk, 'showing the proposed lines wrote the file');
    assert.ok(await doc.save(), 'the save failed');
    assert.equal(onDisk(), disk, 'the save wrote proposed lines to the disk');
    assert.equal(doc.getText(), disk);
    assert.ok(!doc.isDirty);
    // an undo brings the proposed lines back, and the overlay with them: a save still writes the file without them
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    await eventually(() => doc.getText() === shown, 30_000, () => `undo did not bring the proposed lines back:\n${doc.getText()}`);
    await eventually(async () => {
      await doc.save();
      return !doc.isDirty;
    }, 30_000, () => 'the document stayed dirty');
    assert.equal(onDisk(), disk, 'a save after an undo wrote proposed lines to the disk');
  });

  it('an edit of the user ends it: the proposed lines go, the edit stays', async () => {
    assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'shown');
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), '// the user\'s line\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await eventually(() => doc.getText() === `// the user's line\n${disk}`, 30_000, () => `the buffer is not the file with the user's edit:\n${doc.getText()}`);
    assert.equal(onDisk(), disk);
    await revert(doc);
  });

  /** Whether the file's CodeLens offers to hide the proposed lines: the overlay is on, with its decorations (both follow the same state). */
  async function overlaid(): Promise<boolean> {
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
    return lenses.some((l) => l.command?.title.includes('Hide Proposed Lines'));
  }

  async function saveAndCheck(what: string): Promise<void> {
    await eventually(async () => {
      await doc.save();
      return !doc.isDirty;
    }, 60_000, () => 'the document stayed dirty');
    assert.equal(onDisk(), disk, `a save ${what} wrote proposed lines to the disk`);
    assert.equal(doc.getText(), disk);
  }

  // a window reload keeps dirty buffers (hot exit) and starts the extension afresh: the host e2e
  // cannot reload its own window, so the overlays' state is dropped and started again (RELOAD)
  it('a window reload: the buffer restored with its proposed lines gets its save guard and decorations back', async () => {
    await vscode.window.showTextDocument(doc, { preview: false });
    assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'shown');
    const shown = doc.getText();
    assert.ok(await vscode.commands.executeCommand(RELOAD, { phase: 'stop' }));
    assert.ok(doc.isDirty && doc.getText() === shown, 'the buffer lost its proposed lines');
    assert.ok(!(await overlaid()), 'the overlay outlived its state');
    assert.ok(await vscode.commands.executeCommand(RELOAD, { phase: 'start' }));
    await eventually(overlaid, 60_000, () => 'the restored proposed lines were not shown as an overlay again');
    await saveAndCheck('after a reload');
  });

  // VS Code runs no save participant when it saves as the window closes (microsoft/vscode#97985): the
  // file is written with the lines in; the next start gives it back the text it had under them, and says so
  it('a save no guard saw, as the window closes, is undone at the next start: the file gets back its own text', async () => {
    await vscode.window.showTextDocument(doc, { preview: false });
    assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'shown');
    const shown = doc.getText();
    assert.ok(await vscode.commands.executeCommand(RELOAD, { phase: 'stop' }));
    assert.ok(await doc.save(), 'the save failed');
    assert.equal(onDisk(), shown, 'the unguarded save did not write the proposed lines (the case this test stages)');
    assert.ok(await vscode.commands.executeCommand(RELOAD, { phase: 'start' }));
    await eventually(() => onDisk() === disk, 60_000, () => `the file saved with its proposed lines was not given back its own text:\n${onDisk()}`);
    await eventually(() => !doc.isDirty && doc.getText() === disk, 60_000, () => 'the editor did not take the file back');
    assert.ok(!(await overlaid()), 'an overlay was laid over the file given back');
  });

  it('a buffer restored with the proposed lines, laid by no one this session, is adopted on a review change', async () => {
    await vscode.window.showTextDocument(doc, { preview: false });
    assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'shown');
    const shown = doc.getText();
    assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'hidden');
    await eventually(() => !doc.isDirty && doc.getText() === disk, 60_000, () => 'hiding the proposed lines left the buffer dirty');
    // a fresh state that never laid them, then the buffer as a hot exit restores it
    assert.ok(await vscode.commands.executeCommand(RELOAD, {}));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), shown);
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(doc.isDirty && doc.getText() === shown);
    const other = hunks((await reviewState())!).find((h) => h.file !== file && h.hunk.decision === 'pending');
    assert.ok(other, 'no pending hunk in another file to decide');
    await vscode.commands.executeCommand('codecompanion.rejectHunk', { hunk: other.hunk.id });
    await eventually(overlaid, 60_000, () => 'the buffer holding the proposed lines was not adopted after the review changed');
    await saveAndCheck('of an adopted buffer');
  });

  it('a buffer restored with proposed lines that no longer match the file gets the file back, and the hunks are laid again', async () => {
    await vscode.window.showTextDocument(doc, { preview: false });
    assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'shown');
    const shown = doc.getText();
    assert.ok(await vscode.commands.executeCommand(RELOAD, { phase: 'stop' }));
    // the file changed on disk while the window was away (another window accepted a hunk, a pull): the buffer is kept as it was
    const changed = `// changed while the window was away\n${disk}`;
    fs.writeFileSync(path.join(root(), file), changed);
    assert.ok(doc.getText() === shown && doc.isDirty);
    assert.ok(await vscode.commands.executeCommand(RELOAD, { phase: 'start' }));
    await eventually(async () => doc.isDirty && doc.getText().startsWith('// changed while the window was away\n') && doc.getText().length > changed.length && (await overlaid()), 60_000, () => `the proposed lines were not laid again over the file as it is now:\n${doc.getText().slice(0, 400)}`);
    assert.equal(onDisk(), changed);
    await eventually(async () => {
      await doc.save();
      return !doc.isDirty;
    }, 60_000, () => 'the document stayed dirty');
    assert.equal(onDisk(), changed, 'a save wrote proposed lines to the disk');
    fs.writeFileSync(path.join(root(), file), disk);
    await eventually(() => !doc.isDirty && doc.getText() === disk, 60_000, () => 'the file put back on disk did not come back into the clean buffer');
  });

  /** Another file in the editor's place, so that the file's own editor is hidden (still open in its tab). */
  async function hideEditor(): Promise<vscode.TextDocument> {
    const other = await vscode.workspace.openTextDocument(path.join(root(), 'package.json'));
    await vscode.window.showTextDocument(other, { preview: false, viewColumn: vscode.ViewColumn.Active });
    await eventually(() => !vscode.window.visibleTextEditors.some((e) => e.document === doc), 30_000, () => `${file} is still visible`);
    return other;
  }

  it('taking the lines out of a file whose editor is hidden leaves its buffer clean and the disk as it was', async () => {
    await vscode.window.showTextDocument(doc, { preview: false });
    assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'shown');
    const other = await hideEditor();
    assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'hidden');
    await eventually(() => !doc.isDirty && doc.getText() === disk, 60_000, () => `the buffer is not the clean file after the lines were taken out (dirty: ${doc.isDirty})`);
    assert.equal(onDisk(), disk);
    assert.equal(vscode.window.activeTextEditor?.document, other, 'taking the lines out brought the hidden file forward');
  });

  it('a file mixing line endings keeps its bytes: a save with the lines in, and the lines taken out of a hidden editor (not saved)', async () => {
    const abs = path.join(root(), file);
    const mixed = disk.split('\n').map((l, i, all) => (i < all.length - 1 ? l + (i % 2 ? '\r\n' : '\n') : l)).join('');
    assert.ok(mixed.includes('\r\n') && /[^\r]\n/.test(mixed), 'the test file does not mix endings');
    const reload = async (text: string) => {
      fs.writeFileSync(abs, text);
      await vscode.window.showTextDocument(doc, { preview: false });
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await eventually(() => !doc.isDirty && doc.getText().replace(/\r\n/g, '\n') === disk, 60_000, () => `${file} as written on disk did not come into the buffer`);
    };
    await reload(mixed);
    try {
      assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'shown');
      await eventually(async () => {
        await doc.save();
        return !doc.isDirty;
      }, 60_000, () => 'the document stayed dirty');
      await eventually(() => fs.readFileSync(abs, 'utf8') === mixed, 60_000, () => `a save with the proposed lines in changed the file's line endings: ${JSON.stringify(fs.readFileSync(abs, 'utf8').slice(0, 200))}`);
      await eventually(() => !doc.isDirty && doc.getText().replace(/\r\n/g, '\n') === disk, 60_000, () => 'the buffer is not the clean file after the save');
      await vscode.window.showTextDocument(doc, { preview: false });
      assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'shown');
      await hideEditor();
      assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'hidden');
      // left dirty with the file's own text: a save would make the endings one, as any save of it in VS Code does
      await eventually(() => doc.getText().replace(/\r\n/g, '\n') === disk, 60_000, () => `the lines were not taken out of the hidden editor:\n${doc.getText().slice(0, 400)}`);
      assert.equal(fs.readFileSync(abs, 'utf8'), mixed, 'taking the lines out of a hidden editor changed the file on disk');
    } finally {
      await reload(disk);
    }
  });

  it('Accept on a hunk shown in the file writes that hunk alone and lays the rest again; hiding them leaves the file clean', async () => {
    assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'shown');
    const pick = hunks((await reviewState())!).find((h) => h.file === file && h.hunk.decision === 'pending')!;
    await vscode.commands.executeCommand('codecompanion.acceptHunk', { hunk: pick.hunk.id });
    await eventually(() => onDisk() !== disk, 30_000, () => 'the accepted hunk never reached the disk');
    const after = onDisk();
    const [b, a] = [disk.split('\n'), after.split('\n')];
    assert.equal(a.length - b.length, pick.hunk.added - pick.hunk.removed, 'the file grew or shrank by more than the hunk');
    const left = hunks((await reviewState())!).filter((h) => h.file === file && h.hunk.decision === 'pending');
    if (left.length) await eventually(() => doc.getText().length > after.length && doc.isDirty, 30_000, () => 'the hunks left were not laid over the file again');
    assert.equal(onDisk(), after, 'laying the hunks left again wrote the file');
    if (left.length) assert.equal(await vscode.commands.executeCommand(TOGGLE, { file }), 'hidden');
    await eventually(() => !doc.isDirty && doc.getText() === after, 30_000, () => `the file is not clean after hiding the proposed lines (dirty: ${doc.isDirty})`);
  });
});
