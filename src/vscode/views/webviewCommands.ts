// A webview asks for a host command; the command itself re-checks trust and its arguments.
import * as vscode from 'vscode';
import type { WebviewMessage } from '../../protocol/messages';

export async function runWebviewCommand(m: Extract<WebviewMessage, { type: 'command' }>): Promise<void> {
  const target = { ...(m.runId ? { runId: m.runId } : {}), ...(m.patchId ? { patchId: m.patchId } : {}) };
  switch (m.command) {
    case 'reviewPatch':
      await vscode.commands.executeCommand('codecompanion.reviewFile', target);
      return;
    case 'acceptPatch':
      await vscode.commands.executeCommand('codecompanion.acceptFile', target);
      return;
    case 'rejectPatch':
      await vscode.commands.executeCommand('codecompanion.rejectFile', { ...target, askReason: true });
      return;
    case 'showRun':
      await vscode.commands.executeCommand('codecompanion.showRun', m.runId);
      return;
    case 'resumeRun':
      await vscode.commands.executeCommand('codecompanion.resumeRun', { ...(m.runId ? { runId: m.runId } : {}), interactive: true });
      return;
    case 'rollbackRun':
      await vscode.commands.executeCommand('codecompanion.rollbackRun', m.runId);
      return;
    case 'followUpRun':
      await vscode.commands.executeCommand('codecompanion.followUpRun', m.runId ? { runId: m.runId } : undefined);
      return;
    case 'followTeamRuns':
      await vscode.commands.executeCommand('codecompanion.followTeamRuns', m.runId ? { runId: m.runId } : undefined);
      return;
    default:
      await vscode.commands.executeCommand(`codecompanion.${m.command}`);
  }
}
