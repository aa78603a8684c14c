// Virtual documents for the review: `codecompanion-proposed:/path` is the file as it would be with
// every pending hunk taken, `?side=base` the file as it is (empty when the patch creates it), both
// for the native diff editor; `?side=inline` the inline review, the file as it is with each hunk's
// proposed lines under the lines they replace. They follow the review and the real file as both
// change; none of them is ever written anywhere.
import * as vscode from 'vscode';
import { inlineOf } from './inlineReview';
import { pathOfProposed, PROPOSED_SCHEME, proposedUri, sideOf } from './proposedUri';
import { currentText } from './workspaceFiles';
import { proposedText, type ReviewController } from './reviewController';

export class ProposedContentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly _onDidChange = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this._onDidChange.event;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly root: string, private readonly review: ReviewController) {
    this.disposables.push(
      this._onDidChange,
      review.onDidChange(() => this.refresh()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.scheme === 'file') this.refresh();
      }),
    );
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const path = pathOfProposed(uri);
    const side = sideOf(uri);
    if (side === 'base') return currentText(this.root, path) ?? '';
    if (side === 'inline') return inlineOf(this.root, this.review, path).lines.join('\n');
    return proposedText(this.review.state, this.root, path);
  }

  private refresh(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === PROPOSED_SCHEME) this._onDidChange.fire(doc.uri);
    }, 100);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

/** Opens one proposed file change in the diff editor. */
export async function openProposedDiff(root: string, path: string, action: string): Promise<void> {
  const exists = currentText(root, path) !== undefined;
  const left = exists ? vscode.Uri.file(`${root}/${path}`) : proposedUri(path, 'base');
  await vscode.commands.executeCommand('vscode.diff', left, proposedUri(path), `${path} ↔ proposed by CodeCompanion${action === 'modify' ? '' : ` (${action})`}`, { preview: false });
}

/** Opens the inline review of a file: its proposed lines green under the red lines they replace. */
export async function openInlineReview(path: string): Promise<vscode.TextEditor> {
  return vscode.window.showTextDocument(proposedUri(path, 'inline'), { preview: false });
}
