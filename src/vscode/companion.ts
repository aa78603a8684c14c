// What the commands and views share, built on first use (never at activation).
import type * as vscode from 'vscode';
import type { WorkspaceStore } from '../app/workspaceStore';
import type { WorkspaceIndex } from './memory/workspaceIndex';
import type { ReviewController } from './review/reviewController';
import type { RunController } from './runController';
import type { ApiKeys } from './secrets';
import type { TeamLink } from './team/teamLink';

export interface Companion {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly root: string;
  readonly store: WorkspaceStore;
  readonly keys: ApiKeys;
  readonly review: ReviewController;
  readonly runs: RunController;
  readonly index: WorkspaceIndex;
  readonly team: TeamLink;
}
