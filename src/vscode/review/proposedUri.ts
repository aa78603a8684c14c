// The review's virtual documents' addresses: `codecompanion-proposed:/path` with the side in the query.
import * as vscode from 'vscode';

export const PROPOSED_SCHEME = 'codecompanion-proposed';

export type ProposedSide = 'proposed' | 'base' | 'inline';

export function proposedUri(path: string, side: ProposedSide = 'proposed'): vscode.Uri {
  return vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/${path}`, query: side === 'proposed' ? '' : `side=${side}` });
}

export function sideOf(uri: vscode.Uri): ProposedSide {
  return uri.query === 'side=base' ? 'base' : uri.query === 'side=inline' ? 'inline' : 'proposed';
}

export function pathOfProposed(uri: vscode.Uri): string {
  return uri.path.replace(/^\//, '');
}
