// The editor adapter's entry. Activation registers commands and views and nothing else: the
// database, the engine and the models load on first use. The activation time goes to the log.
import * as vscode from 'vscode';
import { WorkspaceStore } from '../app/workspaceStore';
import type { Companion } from './companion';
import { sendBackCandidates } from '../app/review/sendBack';
import { indexWorkspaceCommand, searchCommand } from './commands/memoryCommands';
import { logStartupReport, showDiagnosticsCommand } from './commands/diagnosticsCommand';
import { sendBackCommand } from './commands/sendBackCommand';
import { WorkspaceIndex } from './memory/workspaceIndex';
import { acceptCommand, rejectCommand, reviewFileCommand, reviewRunCommand, reviewStateCommand, rollbackCommand } from './commands/reviewCommands';
import { offerResume, openSettingsCommand, resumeRunCommand, runObjectiveCommand, setApiKeyCommand, showDashboardCommand, showRunCommand } from './commands/runCommands';
import { ReviewCodeLensProvider, ReviewDecorations } from './review/inlineReview';
import { PROPOSED_SCHEME, ProposedContentProvider } from './review/proposedContent';
import { ReviewController } from './review/reviewController';
import { RunController, workspaceRoot } from './runController';
import { ApiKeys } from './secrets';
import { currentSettings, editorModels } from './settings';
import { CompanionStatusBar } from './statusBar';
import { DASHBOARD_VIEW, DashboardView } from './views/dashboardView';

const loadedAt = performance.now();
const EMPTY_REVIEW = { runId: '', objective: '', patches: [] };
let activationMs = 0;

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('CodeCompanion', { log: true });
  context.subscriptions.push(log);
  const keys = new ApiKeys(context.secrets);
  let companion: Companion | undefined;
  const get = (): Companion => {
    if (companion) return companion;
    const root = workspaceRoot();
    if (!root) throw new Error('open a folder first: CodeCompanion works on the files of a workspace folder');
    const store = new WorkspaceStore(root, 'VS Code window');
    const index = new WorkspaceIndex(root, store, context.workspaceState, keys, currentSettings, log);
    const review = new ReviewController(root, context.workspaceState, store, log, () => vscode.workspace.isTrusted, index.decisions());
    const runs = new RunController(root, store, review, log, currentSettings, (s) => editorModels(s, keys, root), index);
    companion = { context, log, root, store, keys, review, runs, index };
    context.subscriptions.push(index, review, runs, { dispose: () => void store.close() });
    return companion;
  };

  const command = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          log.error(`${id}: ${message}`);
          // a caller with arguments (a test, another extension) gets the error; a person gets a message
          if (args.length > 0 && !isFromUi(args)) throw err;
          void vscode.window.showErrorMessage(`CodeCompanion: ${message}`);
          return undefined;
        }
      }),
    );

  command('codecompanion.runObjective', (arg) => runObjectiveCommand(get(), arg));
  command('codecompanion.resumeRun', (arg) => resumeRunCommand(get(), arg));
  command('codecompanion.cancelRun', () => {
    if (!companion?.runs.cancel()) void vscode.window.showInformationMessage('CodeCompanion: no run is going.');
  });
  command('codecompanion.setApiKey', async (arg) => setApiKeyCommand({ keys, log }, arg));
  command('codecompanion.showRun', (arg) => showRunCommand(get(), arg));
  command('codecompanion.showDashboard', () => showDashboardCommand());
  command('codecompanion.openSettings', () => openSettingsCommand());
  command('codecompanion.acceptAll', () => acceptCommand(get(), 'all', []));
  command('codecompanion.rejectAll', () => rejectCommand(get(), 'all', []));
  command('codecompanion.acceptFile', (...args) => acceptCommand(get(), 'file', args));
  command('codecompanion.rejectFile', (...args) => rejectCommand(get(), 'file', args));
  command('codecompanion.acceptHunk', (...args) => acceptCommand(get(), 'hunk', args));
  command('codecompanion.rejectHunk', (...args) => rejectCommand(get(), 'hunk', args));
  command('codecompanion.reviewFile', (...args) => reviewFileCommand(get(), args));
  command('codecompanion.reviewRun', (arg) => reviewRunCommand(get(), arg));
  command('codecompanion.rollbackRun', (arg) => rollbackCommand(get(), arg));
  command('codecompanion.sendBack', (arg) => sendBackCommand(get(), arg));
  command('codecompanion.indexWorkspace', () => indexWorkspaceCommand(get()));
  command('codecompanion.showDiagnostics', (arg) => showDiagnosticsCommand(get(), arg));
  command('codecompanion.internal.search', (arg) => searchCommand(get(), arg));
  command('codecompanion.internal.reviewState', () => (workspaceRoot() ? reviewStateCommand(get()) : null));
  command('codecompanion.internal.activationTime', () => ({ activationMs, moduleLoadMs: started - loadedAt }));

  const root = workspaceRoot();
  if (root) {
    // the inline review and the dashboard need the review state, which is only a workspaceState read
    const c = get();
    const proposed = new ProposedContentProvider(root, c.review);
    const lenses = new ReviewCodeLensProvider(root, c.review);
    const dashboard = new DashboardView(context.extensionUri, c.runs, c.review, keys, log);
    context.subscriptions.push(
      proposed,
      lenses,
      dashboard,
      vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, proposed),
      vscode.languages.registerCodeLensProvider([{ scheme: 'file' }, { scheme: PROPOSED_SCHEME }], lenses),
      new ReviewDecorations(root, c.review, context.extensionUri),
      vscode.window.registerWebviewViewProvider(DASHBOARD_VIEW, dashboard),
      new CompanionStatusBar(c.runs, c.review),
      c.review.onDidChange(() => void vscode.commands.executeCommand('setContext', 'codecompanion.canSendBack', sendBackCandidates(c.review.state ?? EMPTY_REVIEW).length > 0)),
      // the view's title shows Run or Cancel, whichever applies
      c.runs.onDidChange(() => void vscode.commands.executeCommand('setContext', 'codecompanion.running', c.runs.isRunning)),
    );
    void vscode.commands.executeCommand('setContext', 'codecompanion.canSendBack', sendBackCandidates(c.review.state ?? EMPTY_REVIEW).length > 0);
    c.index.start();
    void offerResume(c).catch((err) => log.warn(`resume offer: ${(err as Error).message}`));
    logStartupReport({ keys, root, log });
  }
  activationMs = performance.now() - started;
  log.info(`activated in ${activationMs.toFixed(1)} ms (bundle loaded ${(started - loadedAt).toFixed(1)} ms before activate)`);
}

/** CodeLens, menus and notifications pass `askReason` or `interactive: true`; the palette passes nothing. */
function isFromUi(args: readonly unknown[]): boolean {
  const first = args[0];
  return typeof first === 'object' && first !== null && ('askReason' in first || (first as { interactive?: unknown }).interactive === true);
}

export function deactivate(): void {}
