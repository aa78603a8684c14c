// From an objective to reviewed, validated patches, every step an event. The planner writes a
// SpecDoc; each task runs as soon as its dependencies are accepted (tasks on a shared file one after
// another, in plan order), through rounds of: coder writes a CodePatch → validation (applies to the
// staged workspace, optional check command) → reviewers on other models → consensus. A rejected
// patch goes back to its author with the reasons. Every step's identity (call ids, patch ids,
// routing keys) is derived from the plan, never from timing, so a run interrupted at any point
// resumes from its events and pays for no finished call twice.
import { randomBytes } from 'node:crypto';
import { event, EVENT_VERSION, RunOptionsSchema, type RecordedEvent, type RunOptions } from '../events';
import { systemClock, type Clock } from '../ports/clock';
import type { ContextProvider } from '../agents/contextProvider';
import { RunGivenSchema, type RunGiven } from '../agents/runGiven';
import type { BudgetExceededError } from '../cost/costGovernor';
import type { EventStore } from '../ports/eventStore';
import type { Telemetry } from '../ports/telemetry';
import type { ModelClient, PriceBook, ProviderId } from '../ports/model';
import type { PerformanceStore } from '../performance/performanceStore';
import type { ModelCandidate, RouterOptions } from '../router/router';
import type { SensitivePaths } from '../patch/sensitivePaths';
import type { Redactor } from '../security/redaction';
import type { CheckHost, CheckRunner } from './checkCommand';
import type { EventBus } from './eventBus';
import type { ProviderLimits } from './providerLimiter';
import { RunDriver } from './runDriver';
import { RunLog } from './runLog';
import type { RunState } from './runState';

export const DEFAULT_RUN_OPTIONS: RunOptions = {
  budgetUsd: null,
  dailyBudgetUsd: null,
  allowUnpriced: false,
  consensus: 'majority',
  reviewersPerPatch: 1,
  maxRounds: 2,
  explore: true,
  seed: 1,
  checkCommand: null,
  checkTimeoutMs: 120_000,
  apply: false,
  validator: 'disagreement',
};


/** What a run learns for later runs (the workspace memory); optional. */
export interface DecisionMemory {
  rememberPatchDecision(input: { runId: string; objective: string; patchId: string; taskTitle: string; summary: string; files: readonly string[]; decision: 'accept' | 'reject'; reasons: readonly string[] }): Promise<void> | void;
}

export interface OrchestratorDeps {
  readonly store: EventStore;
  readonly workspaceRoot: string;
  readonly models: (provider: ProviderId) => ModelClient | undefined;
  readonly candidates: readonly ModelCandidate[];
  readonly prices: PriceBook;
  readonly clock?: Clock;
  readonly bus?: EventBus;
  /** Measured performance from earlier runs; the router learns from it. */
  readonly performance?: PerformanceStore;
  readonly context?: ContextProvider;
  readonly memory?: DecisionMemory;
  readonly limits?: Partial<Record<ProviderId, ProviderLimits>>;
  /** Models the user pinned per task complexity (the editor's codecompanion.models.low/medium/high). */
  readonly pinned?: RouterOptions['pinned'];
  /** Spent today by other runs: the daily budget's starting point. */
  readonly daySpentUsd?: number;
  /** The editor pauses for the user here; without it a budget stop ends the run. */
  readonly onBudgetExceeded?: (error: BudgetExceededError) => Promise<number | null | undefined>;
  readonly onEvent?: (event: RecordedEvent) => void;
  /** Sensitive paths an automatic apply leaves for explicit acceptance (default: the default list, nothing allowed). */
  readonly sensitive?: { readonly paths: SensitivePaths; readonly allow?: ReadonlySet<string> };
  /** Spans and metrics (OpenTelemetry when export is on); nothing by default. */
  readonly telemetry?: Telemetry;
  /** The check command's environment source and pass-list (default: this process's environment, nothing passed). */
  readonly check?: CheckHost;
  /** Where checks run (default: here, contained, with `check` as the host); a team's workers with run --remote-checks. */
  readonly checks?: CheckRunner;
  /** Scrubs known secrets from every event before it is stored and from every prompt (default: this process's environment). */
  readonly redactor?: Redactor;
}

export interface RunRequest {
  readonly objective: string;
  readonly options?: Partial<RunOptions>;
  readonly runId?: string;
  /** Attachments and the run a follow-up continues: recorded in run.started, added to the prompts' context. */
  readonly given?: RunGiven;
}

export function newRunId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function runObjective(deps: OrchestratorDeps, request: RunRequest, signal: AbortSignal): Promise<RunState> {
  const clock = deps.clock ?? systemClock;
  const options = RunOptionsSchema.parse({ ...DEFAULT_RUN_OPTIONS, ...request.options });
  const log = RunLog.fresh(request.runId ?? newRunId(clock.now()), deps.store, deps.bus, deps.onEvent, deps.redactor);
  const given = request.given && (request.given.attachments.length || request.given.followUp) ? RunGivenSchema.parse(request.given) : undefined;
  await log.append(event('run.started', { v: EVENT_VERSION, objective: request.objective, options, ...(given ? { given } : {}) }));
  return new RunDriver(deps, log, clock, signal).run();
}

/** Continues an interrupted run from its events; a finished run is returned as it is. */
export async function resumeRun(deps: OrchestratorDeps, runId: string, signal: AbortSignal): Promise<RunState> {
  const log = await RunLog.open(runId, deps.store, deps.bus, deps.onEvent, deps.redactor);
  const state = log.state;
  if (!state.options) throw new Error(`there is no run ${runId} in this workspace ('codecompanion runs' lists them)`);
  if (state.status === 'completed' || state.status === 'failed' || state.status === 'cancelled') return state;
  // Calls cut off by the crash still hold budget. What the vendor billed for them is unknown, and the
  // call will be made again: each is charged its whole hold (the most it could have cost), never $0,
  // so kill-and-resume cycles can never spend past the budget.
  const dangling = Object.entries(state.reservations).map(([callId, held]) => event('budget.released', { callId, reservedUsd: held, spentUsd: held, unknownUsage: true }));
  await log.append(...dangling, event('run.resumed', {}));
  return new RunDriver(deps, log, deps.clock ?? systemClock, signal).run();
}

export interface RevisionRequest {
  readonly runId: string;
  /** The accepted patch the user rejected (in part) in review. */
  readonly patchId: string;
  /** Why, in the user's words; each goes to the author as a reason. */
  readonly reasons: readonly string[];
  /** Raises the run's budget for the new rounds (null: no budget). */
  readonly budgetUsd?: number | null;
}

/**
 * Sends a reviewed patch back to its author: the finished run reopens for new rounds of that task,
 * written against the workspace as it is now (with whatever the user accepted), reviewed and decided
 * as before, and completes again with the new patch accepted (for review) or the task rejected.
 */
export async function reviseTask(deps: OrchestratorDeps, request: RevisionRequest, signal: AbortSignal): Promise<RunState> {
  const log = await RunLog.open(request.runId, deps.store, deps.bus, deps.onEvent, deps.redactor);
  const state = log.state;
  if (!state.options) throw new Error(`there is no run ${request.runId} in this workspace`);
  if (state.status !== 'completed') throw new Error(`run ${request.runId} is ${state.status}: only a completed run's patches can be sent back for revision`);
  const patch = state.patches[request.patchId];
  if (!patch) throw new Error(`run ${request.runId} has no patch ${request.patchId}`);
  const reasons = request.reasons.map((r) => r.trim()).filter(Boolean);
  if (reasons.length === 0) throw new Error('say what to change: a revision needs at least one reason');
  await log.append(event('task.revision.requested', { taskId: patch.taskId, patchId: patch.patchId, reasons, ...(request.budgetUsd !== undefined ? { budgetUsd: request.budgetUsd } : {}) }));
  return new RunDriver(deps, log, deps.clock ?? systemClock, signal).run();
}
