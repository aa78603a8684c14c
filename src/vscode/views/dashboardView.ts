// The sidebar dashboard (a WebviewView): runs, the live agent timeline, cost against budget,
// quality, per-model performance and charts. State goes over whole, at most every 150 ms while a
// run streams; a view that was hidden and comes back asks for it again.
import * as vscode from 'vscode';
import { counts } from '../../app/review/reviewState';
import { parseWebviewMessage, type DashboardState, type WebviewMessage } from '../../protocol/messages';
import type { SensitivePaths } from '../../core/patch/sensitivePaths';
import type { Companion } from '../companion';
import { ChatBox } from './chatBox';
import type { ApiKeys } from '../secrets';
import type { ReviewController } from '../review/reviewController';
import type { RunController } from '../runController';
import type { TeamLink } from '../team/teamLink';
import { WebviewChannel, webviewHtml, webviewOptions } from './webviewChannel';
import { runWebviewCommand } from './webviewCommands';

export const DASHBOARD_VIEW = 'codecompanion.dashboard';
const THROTTLE_MS = 150;

export class DashboardView implements vscode.WebviewViewProvider, vscode.Disposable {
  private channel: WebviewChannel | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly chat: ChatBox;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: RunController,
    private readonly review: ReviewController,
    private readonly keys: ApiKeys,
    private readonly log: vscode.LogOutputChannel,
    private readonly team: TeamLink,
    companion: Companion,
    sensitive: () => SensitivePaths,
  ) {
    this.chat = new ChatBox(companion, sensitive, () => this.schedule(), (m) => this.channel?.post(m));
    this.disposables.push(runs.onDidChange(() => this.schedule()), review.onDidChange(() => this.schedule()), keys.onDidChange(() => this.schedule()), team.onDidChange(() => this.schedule()));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = webviewHtml(view.webview, this.extensionUri, 'dashboard', 'CodeCompanion');
    this.channel?.dispose();
    const channel = new WebviewChannel(view.webview, this.log, async (m) => void (await this.onMessage(m)));
    this.channel = channel;
    view.onDidDispose(() => {
      channel.dispose();
      if (this.channel === channel) this.channel = undefined;
    });
    void this.runs.history();
  }

  private async onMessage(m: WebviewMessage): Promise<unknown> {
    if (m.type === 'ready') await this.push();
    else if (m.type === 'selectRun') await this.runs.select(m.runId);
    else if (m.type === 'command') await runWebviewCommand(m);
    else if (m.type.startsWith('chat/')) return this.chat.handle(m as Parameters<ChatBox['handle']>[0]);
    return undefined;
  }

  /** Follow Up a Run: the box takes the run (refused with a notice if unfinished) and the focus. */
  async followUp(runId: string): Promise<void> {
    await this.chat.handle({ type: 'chat/followUp', runId });
    await vscode.commands.executeCommand(`${DASHBOARD_VIEW}.focus`);
    this.channel?.post({ type: 'chat/focus' });
  }

  /**
   * A message as the webview would send it, parsed the same way (codecompanion.internal.dashboardMessage:
   * the host e2e drives the chat box's path with it); resolves with what handling it gave (a run's
   * result) and the state the webview would be sent next.
   */
  async receive(raw: unknown): Promise<{ result: unknown; state: DashboardState }> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) throw new Error(`not a dashboard message: ${parsed.error}`);
    const result = await this.onMessage(parsed.message);
    return { result, state: await this.state() };
  }

  private schedule(): void {
    if (!this.channel || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.push();
    }, THROTTLE_MS);
  }

  async state(): Promise<DashboardState> {
    const review = this.review.state;
    return {
      runs: this.runs.runList().slice(0, 50),
      current: this.runs.view(),
      keys: await this.keys.presence(),
      trusted: vscode.workspace.isTrusted,
      running: this.runs.isRunning,
      review: review ? { runId: review.runId, ...counts(review) } : null,
      canRollback: this.review.canRollback(),
      team: this.team.active ? this.team.state() : null,
      chat: this.chat.state(),
    };
  }

  private async push(): Promise<void> {
    this.channel?.post({ type: 'dashboard/state', state: await this.state() });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.channel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
