// The status bar item: agents at work and cost while a run goes, hunks waiting for review after;
// a click opens the dashboard.
import * as vscode from 'vscode';
import { usd } from '../core/cost/costGovernor';
import { counts } from '../app/review/reviewState';
import type { ReviewController } from './review/reviewController';
import type { RunController } from './runController';

export class CompanionStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('codecompanion.status', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [this.item];

  constructor(private readonly runs: RunController, private readonly review: ReviewController) {
    this.item.name = 'CodeCompanion';
    this.item.command = 'codecompanion.showDashboard';
    this.disposables.push(runs.onDidChange(() => this.update()), review.onDidChange(() => this.update()));
    this.update();
    this.item.show();
  }

  private update(): void {
    const s = this.runs.current;
    const pending = this.review.state ? counts(this.review.state).pending : 0;
    if (this.runs.isRunning && s) {
      const agents = Object.values(s.calls).filter((c) => c.status === 'running').length;
      const budget = s.options?.budgetUsd;
      this.item.text = `$(loading~spin) ${agents} agent${agents === 1 ? '' : 's'} · ${usd(s.cost.spentUsd)}${budget ? `/${usd(budget)}` : ''}`;
      this.item.tooltip = `CodeCompanion: ${s.objective}`;
    } else if (pending > 0) {
      this.item.text = `$(diff) ${pending} to review`;
      this.item.tooltip = 'CodeCompanion: proposed changes wait for your review';
    } else {
      this.item.text = '$(hubot) CodeCompanion';
      this.item.tooltip = 'Open the CodeCompanion dashboard';
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
