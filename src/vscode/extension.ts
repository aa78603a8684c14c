// The host: everything behind the entry (main.ts), bundled apart as dist/host.js and loaded once
// the first prompt is on screen. It builds the engine's parts on first use, registers the views and
// the inline review, and runs the commands the entry hands it.
import * as vscode from 'vscode';
import { WorkspaceStore } from '../app/workspaceStore';
import type { Companion } from './companion';
import { sendBackCandidates } from '../app/review/sendBack';
import { indexWorkspaceCommand, searchCommand } from './commands/memoryCommands';
import { logStartupReport, showDiagnosticsCommand } from './commands/diagnosticsCommand';
import { sendBackCommand } from './commands/sendBackCommand';
import { decideHunkAtCursor, navigateHunk, reviewInlineCommand } from './commands/hunkNavigation';
import { WorkspaceIndex } from './memory/workspaceIndex';
import { acceptCommand, rejectCommand, reviewFileCommand, reviewRunCommand, reviewStateCommand, rollbackCommand } from './commands/reviewCommands';
import { followUpRunCommand, offerResume, openSettingsCommand, resumeRunCommand, runInteractive, runObjectiveCommand, showDashboardCommand, showRunCommand } from './commands/runCommands';
import type { EditorSettings } from '../app/editorSettings';
import { ReviewCodeLensProvider, ReviewDecorations } from './review/inlineReview';
import { FileOverlays } from './review/fileOverlay';
import { ProposedContentProvider } from './review/proposedContent';
import { showProposedInFileCommand } from './review/showProposedInFile';
import { PROPOSED_SCHEME } from './review/proposedUri';
import { ReviewController } from './review/reviewController';
import { RunController } from './runController';
import { workspaceRoot } from './workspaceFolder';
import type { ApiKeys } from './secrets';
import { editorModels } from './editorModels';
import { currentSettings } from './settings';
import { SensitivePaths } from '../core/patch/sensitivePaths';
import { CompanionStatusBar } from './statusBar';
import { DASHBOARD_VIEW, DashboardView } from './views/dashboardView';
import { followTeamRunsCommand } from './team/teamCommands';
import { TeamLink } from './team/teamLink';

const EMPTY_REVIEW = { runId: '', objective: '', patches: [] };

export interface Host {
  /** Runs a contributed command's handler (the entry registered the command itself). */
  run(id: string, args: readonly unknown[]): Promise<unknown>;
  /** The objective the user typed, with the remembered budget and preset (and settings a sample brings). */
  runInteractive(objective: string, overrides?: Partial<EditorSettings>): Promise<unknown>;
  /** The objective of the run going in this window, if any. */
  runningObjective(): string | undefined;
  cancel(): boolean;
  readonly root: string | undefined;
}

export function startHost(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, keys: ApiKeys): Host {
  let companion: Companion | undefined;
  const team = new TeamLink(context.secrets, log);
  context.subscriptions.push(team);
  const get = (): Companion => {
    if (companion) return companion;
    const root = workspaceRoot();
    if (!root) throw new Error('open a folder first: CodeCompanion works on the files of a workspace folder');
    const store = new WorkspaceStore(root, 'VS Code window', undefined, () => currentSettings().retention);
    const index = new WorkspaceIndex(root, store, context.workspaceState, keys, currentSettings, log);
    const review = new ReviewController(root, context.workspaceState, store, log, () => vscode.workspace.isTrusted, index.decisions(), () => new SensitivePaths(currentSettings().review.sensitivePaths));
    const runs = new RunController(root, store, review, log, currentSettings, (s) => editorModels(s, keys, root), index, team);
    companion = { context, log, root, store, keys, review, runs, index, team };
    context.subscriptions.push(index, review, runs, { dispose: () => void store.close() });
    return companion;
  };

  const handlers = new Map<string, (...args: unknown[]) => unknown>();
  const command = (id: string, fn: (...args: unknown[]) => unknown) => handlers.set(id, fn);

  let sidebar: DashboardView | undefined;
  let overlays: FileOverlays | undefined;
  command('codecompanion.runObjective', (arg) => runObjectiveCommand(get(), arg));
  command('codecompanion.followUpRun', (arg) => followUpRunCommand(get(), arg, (runId) => sidebar!.followUp(runId)));
  // the host e2e drives the objective box through the messages its webview sends
  command('codecompanion.internal.dashboardMessage', (raw) => (sidebar ? sidebar.receive(raw) : Promise.reject(new Error('open a folder first'))));
  command('codecompanion.resumeRun', (arg) => resumeRunCommand(get(), arg));
  command('codecompanion.showRun', (arg) => showRunCommand(get(), arg));
  command('codecompanion.showDashboard', () => showDashboardCommand());
  command('codecompanion.openSettings', () => openSettingsCommand());
  command('codecompanion.acceptAll', (...args) => acceptCommand(get(), 'all', args));
  command('codecompanion.rejectAll', () => rejectCommand(get(), 'all', []));
  command('codecompanion.acceptFile', (...args) => acceptCommand(get(), 'file', args));
  command('codecompanion.rejectFile', (...args) => rejectCommand(get(), 'file', args));
  command('codecompanion.acceptHunk', (...args) => acceptCommand(get(), 'hunk', args));
  command('codecompanion.rejectHunk', (...args) => rejectCommand(get(), 'hunk', args));
  command('codecompanion.reviewFile', (...args) => reviewFileCommand(get(), args));
  command('codecompanion.nextHunk', () => navigateHunk(get(), 1));
  command('codecompanion.previousHunk', () => navigateHunk(get(), -1));
  command('codecompanion.acceptHunkAtCursor', () => decideHunkAtCursor(get(), 'accept'));
  command('codecompanion.rejectHunkAtCursor', () => decideHunkAtCursor(get(), 'reject'));
  command('codecompanion.reviewInline', (arg) => reviewInlineCommand(get(), arg));
  command('codecompanion.showProposedInFile', (arg) => (overlays ? showProposedInFileCommand(get().root, overlays, arg) : Promise.reject(new Error('open a folder first'))));
  // what a window reload does to the file overlays (their state gone, the buffers kept as they are), for the host e2e: 'stop', 'start', or both
  command('codecompanion.internal.reloadFileOverlays', (arg) => {
    const phase = (arg as { phase?: string } | undefined)?.phase;
    if (phase !== 'start') overlays?.dispose();
    if (phase !== 'stop') context.subscriptions.push((overlays = new FileOverlays(get().root, get().review, log, context.workspaceState)));
    return overlays !== undefined;
  });
  command('codecompanion.reviewRun', (arg) => reviewRunCommand(get(), arg));
  command('codecompanion.rollbackRun', (arg) => rollbackCommand(get(), arg));
  command('codecompanion.sendBack', (arg) => sendBackCommand(get(), arg));
  command('codecompanion.indexWorkspace', () => indexWorkspaceCommand(get()));
  command('codecompanion.showDiagnostics', (arg) => showDiagnosticsCommand(get(), arg));
  command('codecompanion.internal.search', (arg) => searchCommand(get(), arg));
  command('codecompanion.followTeamRuns', (arg) => followTeamRunsCommand(team, arg));
  command('codecompanion.setRedisPassword', (arg) => team.setPassword(arg));
  command('codecompanion.internal.teamState', () => team.state());
  command('codecompanion.internal.reviewState', () => (workspaceRoot() ? reviewStateCommand(get()) : null));

  const root = workspaceRoot();
  if (root) {
    // the inline review and the dashboard need the review state, which is only a workspaceState read
    const c = get();
    const proposed = new ProposedContentProvider(root, c.review);
    const lenses = new ReviewCodeLensProvider(root, c.review);
    overlays = new FileOverlays(root, c.review, log, context.workspaceState);
    const dashboard = new DashboardView(context.extensionUri, c.runs, c.review, keys, log, team, c, () => new SensitivePaths(currentSettings().review.sensitivePaths));
    sidebar = dashboard;
    context.subscriptions.push(
      proposed,
      lenses,
      overlays,
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
    // pending hunks get their CodeLens, decorations and status item on startup: the review is read
    // (its events only) once activation has returned, then followed
    setTimeout(() => void c.review.start(), 0);
    void offerResume(c).catch((err) => log.warn(`resume offer: ${(err as Error).message}`));
    logStartupReport({ keys, root, log });
  }
  return {
    root,
    run: async (id, args) => {
      const fn = handlers.get(id);
      if (!fn) throw new Error(`${id} is not a CodeCompanion command`);
      return fn(...args);
    },
    runInteractive: (objective, overrides) => runInteractive(get(), objective, overrides),
    runningObjective: () => (companion?.runs.isRunning ? (companion.runs.current?.objective ?? '') : undefined),
    cancel: () => companion?.runs.cancel() ?? false,
  };
}
