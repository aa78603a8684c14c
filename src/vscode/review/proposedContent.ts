// Virtual documents for the native diff editor: `codecompanion-proposed:/path` is the file as it
// would be with every pending hunk taken, `?side=base` the file as it is (empty when the patch
// creates it). They follow the review and the real file as both change.
import * as vscode from 'vscode';
import { currentText } from './workspaceFiles';
import { proposedText, type ReviewController } from './reviewController';

export const PROPOSED_SCHEME = 'codecompanion-proposed';

export function proposedUri(path: string, side: 'proposed' | 'base' = 'proposed'): vscode.Uri {
  return vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/${path}`, query: side === 'base' ? 'side=base' : '' });
}

export function pathOfProposed(uri: vscode.Uri): string {
  return uri.path.replace(/^\//, '');
}

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
    if (uri.query === 'side=base') return currentText(this.root, path) ?? '';
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
