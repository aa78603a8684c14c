// "Use `npm test` to validate changes?": a check command found in the workspace's files, offered once
// in the chat box so "validated" means something by default. Offered only in a trusted workspace with
// no check command set; stored in the workspace's settings only when the user says yes; never run
// before that (the run's own check step is the only place a check command runs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { suggestCheckCommand } from './readiness';

const ANSWERED_KEY = 'codecompanion.checkSuggestion.answered';

export class CheckSuggestion {
  private found: string | null | undefined;

  constructor(
    private readonly root: string,
    private readonly memento: vscode.Memento,
  ) {}

  /** The command to offer now, or null: untrusted, a check command set already, answered once, or nothing found. */
  offer(): string | null {
    if (!vscode.workspace.isTrusted || this.memento.get<boolean>(ANSWERED_KEY)) return null;
    if (vscode.workspace.getConfiguration('codecompanion').get<string>('checkCommand')?.trim()) return null;
    this.found ??= suggestCheckCommand(
      (name) => fs.existsSync(path.join(this.root, name)),
      (name) => {
        try {
          return fs.readFileSync(path.join(this.root, name), 'utf8');
        } catch {
          return undefined;
        }
      },
    ) ?? null;
    return this.found;
  }

  /** Yes stores it in this workspace's settings (trusted workspaces only); either answer is final. */
  async answer(accept: boolean): Promise<string | undefined> {
    const command = this.offer();
    if (!command) return undefined;
    await this.memento.update(ANSWERED_KEY, true);
    if (!accept) return undefined;
    await vscode.workspace.getConfiguration('codecompanion').update('checkCommand', command, vscode.ConfigurationTarget.Workspace);
    return command;
  }
}
