// Runs objectives in the editor and keeps what the dashboard shows: the runs in this workspace, the
// live view of the current one, the models' measured performance. One run at a time; its events
// reach the views through the bus once they are durable.
import * as vscode from 'vscode';
import { eventsOfRunsSince, pastRuns } from '../app/engine';
import type { RunSummaryRow } from '../storage/projections/runSummaries';
import { LiveRun, perfRows, RUN_LIST_LIMIT } from '../app/dashboard/liveRun';
import { autoApplies, limitsFrom, pinnedFrom, runOptionsFrom, type EditorSettings } from '../app/editorSettings';
import type { WorkspaceStore } from '../app/workspaceStore';
import type { BudgetExceededError } from '../core/cost/costGovernor';
import { usd } from '../core/cost/costGovernor';
import { parseEvent, type RecordedEvent } from '../core/events';
import { InProcessEventBus } from '../core/orchestrator/eventBus';
import { resumeRun, reviseTask, runObjective, type OrchestratorDeps, type RevisionRequest } from '../core/orchestrator/orchestrator';
import { Redactor } from '../core/security/redaction';
import { forReview, projectRun, type RunState, type RunStatus } from '../core/orchestrator/runState';
import { PerformanceStore } from '../core/performance/performanceStore';
import type { Models } from '../app/engine';
import type { OpenedStore } from '../app/openStore';
import type { CurrentRun, RunListItem } from '../protocol/messages';
import type { StoredEvent } from '../core/ports/eventStore';
import type { ReviewController } from './review/reviewController';
import type { WorkspaceIndex } from './memory/workspaceIndex';
import { TelemetrySession } from '../telemetry/telemetrySession';
import { describeTelemetry, telemetryConfig } from '../telemetry/telemetryConfig';
import { codecompanionVersion } from '../app/version';
import { ModelStatsFold } from '../app/modelStats';
import { revisionOutcome, runOutcome } from './runOutcome';
import type { TeamLink } from './team/teamLink';
import type { RunGiven } from '../core/agents/runGiven';

export interface RunRequest {
  readonly objective: string;
  readonly budgetUsd?: number | null;
  readonly apply?: boolean;
  /** False when a test or another extension called: no prompts, no modal questions. */
  readonly interactive: boolean;
  readonly preset?: (models: Models) => Models;
  /** Settings this run takes over the workspace's (a recorded sample brings its own). */
  readonly settings?: Partial<EditorSettings>;
  /** Attachments and the run a follow-up continues (the chat box). */
  readonly given?: RunGiven;
}

export interface RunResult {
  readonly runId: string;
  readonly status: RunStatus;
}

export interface ReviseRequest extends RevisionRequest {
  readonly interactive: boolean;
}

export interface ReviseResult extends RunResult {
  /** The new patch now pending review, or null when the revision produced none. */
  readonly patchId: string | null;
}

/** The window of the Models table (the CLI's `stats --since` gives any other). */
const STATS_WINDOW_DAYS = 7;

function listItem(r: RunSummaryRow): RunListItem {
  return { runId: r.run_id, objective: r.objective || '(no objective)', status: r.status as RunStatus, costUsd: r.cost_usd, updatedAt: r.updated_at, eventCount: r.event_count, forReview: r.for_review };
}

export class RunController implements vscode.Disposable {
  private readonly _onDidChange = new vscode.EventEmitter<void>();
  readonly onDidChange = this._onDidChange.event;
  readonly bus = new InProcessEventBus();
  private runs = new Map<string, RunListItem>();
  private performance = new PerformanceStore();
  private stats = new ModelStatsFold(Date.now() - STATS_WINDOW_DAYS * 86_400_000);
  private loaded: Promise<void> | undefined;
  private listing: Promise<OpenedStore> | undefined;
  private live: LiveRun | undefined;
  private running: { runId?: string; abort: AbortController } | undefined;
  private readonly telemetry = new TelemetrySession();

  constructor(
    private readonly root: string,
    private readonly store: WorkspaceStore,
    private readonly review: ReviewController,
    private readonly log: vscode.LogOutputChannel,
    private readonly settings: () => EditorSettings,
    private readonly models: (settings: EditorSettings) => Promise<Models>,
    private readonly memory: Pick<WorkspaceIndex, 'forRun'>,
    private readonly team?: Pick<TeamLink, 'publishRun'>,
  ) {}

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  get current(): RunState | undefined {
    return this.live?.state;
  }

  /**
   * Reads the runs already in the workspace, once: the newest RUN_LIST_LIMIT summaries and the models'
   * measured performance (persisted projections), then the latest run's own events for the dashboard.
   * No other run's events are read until that run is shown; older summaries when the user asks for
   * every run (Show Run's list).
   */
  history(): Promise<void> {
    this.loaded ??= (async () => {
      const opened = await this.summaries();
      const latest = [...this.runs.values()].sort((a, b) => b.updatedAt - a.updatedAt)[0];
      if (latest && !this.live) {
        const events = await this.events(latest.runId);
        if (!this.live) this.live = LiveRun.from(latest.runId, events);
      }
      this._onDidChange.fire();
      void this.loadStats(opened.store);
    })().catch((err) => {
      this.loaded = undefined;
      this.log.error(`could not read the runs in this workspace: ${(err as Error).message}`);
    });
    return this.loaded;
  }

  /**
   * The runs' summaries and the models' performance only, once (what the run list, Show Run, Resume
   * and the resume offer at start-up need): no run's events, so it costs the same however long the
   * latest run is, and a command typed while it happens at start-up does not wait behind a fold.
   */
  summaries(): Promise<OpenedStore> {
    this.listing ??= (async () => {
      const opened = await this.store.read();
      this.performance = pastRuns(opened.store, Date.now()).performance;
      for (const r of opened.store.runSummaries(RUN_LIST_LIMIT)) if (!this.runs.has(r.run_id)) this.runs.set(r.run_id, listItem(r));
      this._onDidChange.fire();
      return opened;
    })().catch((err: Error) => {
      this.listing = undefined;
      throw err;
    });
    return this.listing;
  }

  /**
   * The Models table's per model and role statistics over the last STATS_WINDOW_DAYS (latency
   * percentiles need every call's time): the runs changed in the window are read one by one after
   * the run list is shown, never on activation's path; older runs are not read.
   */
  private async loadStats(store: OpenedStore['store']): Promise<void> {
    const since = Date.now() - STATS_WINDOW_DAYS * 86_400_000;
    const stats = new ModelStatsFold(since);
    for (const e of await eventsOfRunsSince(store, since)) stats.observe(e);
    this.stats = stats;
    this._onDidChange.fire();
  }

  runList(): RunListItem[] {
    return [...this.runs.values()].sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** Every run in the workspace, newest change first: what a user picking among all runs asks for. */
  async allRuns(): Promise<RunListItem[]> {
    const opened = await this.store.read();
    return opened.store.runSummaries().map((r) => this.runs.get(r.run_id) ?? listItem(r));
  }

  /** One run's list entry, read from its summary when it is older than the list kept. */
  async runInfo(runId: string): Promise<RunListItem | undefined> {
    const kept = this.runs.get(runId);
    if (kept) return kept;
    const row = (await this.store.read()).store.runSummary(runId);
    return row && listItem(row);
  }

  view(): CurrentRun | null {
    if (!this.live) return null;
    const { forReview, problem } = runOutcome(this.live.state);
    return { ...this.live.view(perfRows(this.stats.result()), this.review.pendingByPatch()), forReview, ...(problem ? { problem } : {}) };
  }

  async select(runId: string): Promise<void> {
    if (this.running?.runId === runId || this.live?.runId === runId) return;
    const opened = await this.store.read();
    this.live = LiveRun.from(runId, (await opened.store.readRun(runId)).flatMap(tryParse));
    this._onDidChange.fire();
  }

  /** A run's state, rebuilt from its events. */
  async state(runId: string): Promise<RunState> {
    return projectRun(runId, await this.events(runId));
  }

  /** A run's events as stored, not parsed: for the event log's rows, which a long run needs fast. */
  /** `limit`: only the first that many (the first screen of a long run). */
  async storedEvents(runId: string, limit?: number): Promise<StoredEvent[]> {
    const opened = await this.store.read();
    return opened.store.readRun(runId, 1, limit);
  }

  async events(runId: string): Promise<RecordedEvent[]> {
    const opened = await this.store.read();
    return (await opened.store.readRun(runId)).flatMap(tryParse);
  }

  cancel(): boolean {
    if (!this.running) return false;
    this.running.abort.abort(new Error('cancelled by the user'));
    return true;
  }

  async run(request: RunRequest, token?: vscode.CancellationToken): Promise<RunResult> {
    return this.execute(request, token, async (settings, trusted, deps, signal) => {
      const options = runOptionsFrom(settings, trusted, request.budgetUsd !== undefined ? { budgetUsd: request.budgetUsd } : {});
      this.log.info(`run: "${request.objective}"${trusted ? '' : ' (untrusted workspace: read-only, no check command)'}`);
      const final = await runObjective(deps, { objective: request.objective, options, ...(request.given ? { given: request.given } : {}) }, signal);
      await this.afterRun(final, autoApplies(settings, trusted, request.apply), request.interactive);
      return { runId: final.runId, status: final.status };
    });
  }

  /**
   * Continues a run that stopped without ending (the window closed or crashed mid-run): from its
   * events, paying for no call that had finished; then its patches go to review as after a run.
   */
  async resume(request: { runId: string; interactive: boolean }, token?: vscode.CancellationToken): Promise<RunResult> {
    return this.execute(request, token, async (settings, trusted, deps, signal) => {
      await this.select(request.runId);
      this.log.info(`resume: ${request.runId}`);
      const final = await resumeRun(deps, request.runId, signal);
      await this.afterRun(final, autoApplies(settings, trusted, undefined), request.interactive);
      return { runId: final.runId, status: final.status };
    });
  }

  /** Runs in this workspace that stopped without ending, newest first (not the one this window is running). */
  interrupted(): RunListItem[] {
    return [...this.runs.values()]
      .filter((r) => (r.status === 'running' || r.status === 'paused' || r.status === 'pending') && r.runId !== this.running?.runId)
      .sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /**
   * Sends a reviewed patch back to its author (reviseTask) as a run like any other: progress,
   * cancellation, the dashboard; then the review shows the new patch's hunks pending.
   */
  async revise(request: ReviseRequest, token?: vscode.CancellationToken): Promise<ReviseResult> {
    return this.execute(request, token, async (_settings, _trusted, deps, signal) => {
      await this.select(request.runId); // the dashboard folds the new rounds onto the whole run
      this.log.info(`revise: ${request.patchId} of ${request.runId} goes back to its author with ${request.reasons.length} reason(s)`);
      const final = await reviseTask(deps, { runId: request.runId, patchId: request.patchId, reasons: request.reasons, ...(request.budgetUsd !== undefined ? { budgetUsd: request.budgetUsd } : {}) }, signal);
      const { patchId } = final.status === 'completed' ? await this.review.loadRevision(final, request.patchId) : { patchId: null };
      if (request.interactive) void this.announceRevision(final, patchId, request.patchId);
      return { runId: final.runId, status: final.status, patchId };
    });
  }

  /** One run at a time: models, memory and the store assembled as for every run, then `work`. */
  private async execute<T extends RunResult>({ interactive, preset, settings: overrides }: Pick<RunRequest, 'interactive' | 'preset' | 'settings'>, token: vscode.CancellationToken | undefined, work: (settings: EditorSettings, trusted: boolean, deps: OrchestratorDeps, signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.running) throw new Error('a run is already going: cancel it first (CodeCompanion: Cancel Run)');
    const abort = new AbortController();
    this.running = { abort };
    const cancel = token?.onCancellationRequested(() => abort.abort(new Error('cancelled by the user')));
    let writing = false;
    let team: { close(): Promise<void> } | undefined;
    try {
      // the list and the router's measured performance; not the latest run's events (the dashboard folds those)
      await this.summaries().catch((err: Error) => this.log.error(`could not read the runs in this workspace: ${err.message}`));
      const settings = { ...this.settings(), ...overrides };
      const trusted = vscode.workspace.isTrusted;
      const base = await this.models(settings);
      const models = preset ? preset(base) : base;
      const opened = await this.store.write();
      writing = true;
      // codecompanion.redis.url set: the run's durable events go to the team's Redis too
      team = await this.team?.publishRun(opened.store, this.bus, this.root);
      const past = pastRuns(opened.store, Date.now());
      const memory = await this.memory.forRun(opened.db);
      const telemetry = await this.telemetryFor(settings);
      this.log.info(`models: ${models.source}; memory: ${memory.context ? 'indexed workspace as context' : 'decisions only (Index Workspace adds context)'}`);
      const deps: OrchestratorDeps = {
        store: opened.store,
        workspaceRoot: this.root,
        models: models.models,
        candidates: models.candidates,
        prices: models.prices,
        bus: this.bus,
        performance: past.performance,
        daySpentUsd: past.daySpentUsd,
        limits: limitsFrom(settings),
        pinned: pinnedFrom(settings),
        ...(memory.context ? { context: memory.context } : {}),
        memory: memory.memory,
        onBudgetExceeded: (err) => this.askForBudget(err, interactive),
        onEvent: (e) => this.observe(e),
        telemetry: telemetry.telemetry,
        check: { env: process.env, pass: settings.check.env },
        redactor: Redactor.fromEnv(process.env, models.secrets ?? []),
      };
      const result = await work(settings, trusted, deps, abort.signal).finally(() => {
        // sent in the background: a slow or absent collector never holds the run's result
        void telemetry.flush().catch((err) => this.log.warn(`telemetry: export failed: ${(err as Error).message}`));
      });
      const final = this.live?.runId === result.runId ? this.live.state : undefined;
      if (final) {
        this.log.info(`run ${final.runId} ${final.status}: ${usd(final.cost.spentUsd)} spent${final.error ? ` (${final.error.message})` : ''}`);
        await memory.memory.rememberRun(final).catch((err) => this.log.warn(`memory: could not remember the run: ${(err as Error).message}`));
      }
      return result;
    } finally {
      cancel?.dispose();
      // flushes what Redis can take; the rest is in the local log for the next publisher
      await team?.close().catch((err: Error) => this.log.warn(`team bus: ${err.message}`));
      if (writing) this.store.release(); // the lock goes back: a CLI beside the editor can write
      this.running = undefined;
      this._onDidChange.fire();
    }
  }

  private async announceRevision(final: RunState, patchId: string | null, sentBack: string): Promise<void> {
    if (final.status !== 'completed') return;
    if (!patchId) {
      const choice = await vscode.window.showWarningMessage(`CodeCompanion: ${revisionOutcome(final, sentBack)}.`, 'Show Run');
      if (choice) await vscode.commands.executeCommand('codecompanion.showRun', final.runId);
      return;
    }
    const file = this.review.state?.patches.find((p) => p.patchId === patchId)?.files[0];
    const choice = await vscode.window.showInformationMessage(`CodeCompanion: the revised patch ${patchId} passed review.`, 'Review');
    if (choice === 'Review' && file) await vscode.commands.executeCommand('codecompanion.reviewFile', { patchId, file: file.path });
  }

  private observe(e: RecordedEvent): void {
    if (this.running && !this.running.runId) this.running.runId = e.runId;
    if (this.live?.runId !== e.runId) this.live = new LiveRun(e.runId);
    this.live.apply(e);
    this.performance.observe(e.runId, e);
    this.stats.observe(e);
    const s = this.live.state;
    this.runs.set(e.runId, { runId: e.runId, objective: s.objective, status: s.status, costUsd: s.cost.spentUsd, updatedAt: e.ts, eventCount: e.seq, forReview: forReview(s) });
    this._onDidChange.fire();
  }

  private async afterRun(final: RunState, apply: boolean, interactive: boolean): Promise<void> {
    const reviewable = Object.values(final.patches).filter((p) => p.status === 'accepted').length;
    if (reviewable === 0) {
      const { problem } = runOutcome(final);
      if (problem && interactive) void vscode.window.showWarningMessage(`CodeCompanion: ${problem}.`, 'Show Run').then((x) => x && vscode.commands.executeCommand('codecompanion.showRun', final.runId));
      return;
    }
    const review = await this.review.load(final);
    if (apply) {
      const outcome = await this.review.accept({});
      this.log.info(`auto-applied ${outcome.applied} hunk(s) of ${final.runId}${outcome.conflicts ? `, ${outcome.conflicts} conflict(s)` : ''}`);
      // sensitive files are never applied automatically: they wait in the review for a person
      if (outcome.held?.length) void vscode.window.showWarningMessage(`CodeCompanion: applied the run's changes except sensitive files, which wait for you to accept each one: ${outcome.held.map((h) => `${h.path} (rule '${h.rule}')`).join(', ')}.`);
      return;
    }
    if (!interactive) return;
    // not awaited: the run is over; a notification the user leaves open must not keep it "running"
    void this.offerReview(reviewable, review.patches.flatMap((p) => p.files)[0]?.path);
  }

  private async offerReview(reviewable: number, firstFile: string | undefined): Promise<void> {
    const choice = await vscode.window.showInformationMessage(`CodeCompanion: ${reviewable} patch(es) passed review. Review them hunk by hunk, or take them all.`, 'Review', 'Accept All');
    if (choice === 'Accept All') await vscode.commands.executeCommand('codecompanion.acceptAll');
    else if (choice === 'Review' && firstFile) await vscode.commands.executeCommand('codecompanion.reviewFile', { file: firstFile });
  }

  private async askForBudget(err: BudgetExceededError, interactive: boolean): Promise<number | null | undefined> {
    if (!interactive) return undefined;
    const current = this.live?.state.options?.budgetUsd ?? null;
    const raised = current === null ? undefined : Math.round(current * 2 * 100) / 100;
    const items = raised === undefined ? ['Stop'] : [`Raise to ${usd(raised)}`, 'Stop'];
    const choice = await vscode.window.showWarningMessage(`CodeCompanion paused: ${err.message}`, { modal: true }, ...items);
    return choice?.startsWith('Raise') ? raised : undefined;
  }

  /** Export per the settings (or OTEL_*); an unusable endpoint is logged and export stays off. */
  private async telemetryFor(settings: EditorSettings) {
    let config;
    try {
      config = telemetryConfig(process.env, settings.telemetry, codecompanionVersion());
    } catch (err) {
      this.log.warn(`telemetry: ${(err as Error).message}; nothing is exported`);
    }
    const handle = await this.telemetry.for(config);
    if (handle.exporting) this.log.info(`telemetry: ${describeTelemetry(config)}`);
    return handle;
  }

  dispose(): void {
    this.cancel();
    void this.telemetry.dispose();
    this._onDidChange.dispose();
  }
}

export function tryParse(e: Parameters<typeof parseEvent>[0]): RecordedEvent[] {
  try {
    return [parseEvent(e)];
  } catch {
    return [];
  }
}
