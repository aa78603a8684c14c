// One run's work, driven from its log: plan (unless planned), then every task's rounds (or the one
// task the user sent back for revision), then apply if asked, then the terminal event. Every step
// checks the log first, which is what makes a resumed run skip what was already done.
import { setMaxListeners } from 'node:events';
import type { PlanTask, SpecDoc } from '../artifacts/schemas';
import { callAgent, AgentFailure, RunStopped, type AgentContext } from '../agents/agentCall';
import { coderPrompt, plannerPrompt, reviewReasons, type CoderFeedback } from '../agents/prompts';
import { renderGiven } from '../agents/runGiven';
import { BudgetExceededError, CostGovernor } from '../cost/costGovernor';
import { event, type Role, type RunOptions } from '../events';
import { describeFsError } from '../fsErrors';
import { patchFiles, type CodePatch } from '../patch/codePatch';
import type { Clock } from '../ports/clock';
import { GENAI, NO_TELEMETRY, type Telemetry, type TraceSpan } from '../ports/telemetry';
import { PerformanceStore } from '../performance/performanceStore';
import { NoModelError, Router, type RouteDecision } from '../router/router';
import { Redactor } from '../security/redaction';
import { applyAccepted } from './applyStep';
import { checkPatch } from './checkStep';
import { decide } from './consensus';
import { reviewPatch } from './reviewStep';
import { type StepDeps } from './step';
import { validatorVote } from './validatorStep';
import { ProviderLimiter } from './providerLimiter';
import { RunLog } from './runLog';
import type { RunState } from './runState';
import { excerpts, planningExcerpts, schedule } from './taskPlan';
import { WorkspaceView } from './workspaceView';
import type { OrchestratorDeps } from './orchestrator';

const PLAN_MAX_TOKENS = 4096;
const PATCH_MAX_TOKENS = 8192;

type TaskOutcome = 'accepted' | 'rejected' | 'failed';

export class RunDriver {
  private readonly options: RunOptions;
  private readonly view: WorkspaceView;
  private readonly governor: CostGovernor;
  private readonly router: Router;
  private readonly ctx: AgentContext;
  private readonly telemetry: Telemetry;
  private readonly step: StepDeps;
  private runSpan: TraceSpan;
  private stopReason: unknown;

  constructor(
    private readonly deps: OrchestratorDeps,
    private readonly log: RunLog,
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
  ) {
    this.options = log.state.options!;
    // every queued call listens for the run's cancellation
    setMaxListeners(10_000, signal);
    this.view = new WorkspaceView(deps.workspaceRoot);
    this.governor = new CostGovernor({
      prices: deps.prices,
      budgetUsd: this.options.budgetUsd,
      dailyBudgetUsd: this.options.dailyBudgetUsd,
      daySpentUsd: deps.daySpentUsd ?? 0,
      runSpentUsd: log.state.cost.spentUsd,
      allowUnpriced: this.options.allowUnpriced,
    });
    this.telemetry = deps.telemetry ?? NO_TELEMETRY;
    this.runSpan = NO_TELEMETRY.span('');
    this.router = new Router({
      candidates: deps.candidates,
      performance: deps.performance ?? new PerformanceStore(),
      prices: deps.prices,
      explore: this.options.explore,
      seed: this.options.seed,
      ...(deps.pinned ? { pinned: deps.pinned } : {}),
    });
    this.ctx = {
      log,
      governor: this.governor,
      limiter: new ProviderLimiter(deps.limits ?? {}, clock),
      models: deps.models,
      clock,
      signal,
      ...(deps.onBudgetExceeded ? { onBudgetExceeded: deps.onBudgetExceeded } : {}),
      redactor: deps.redactor ?? Redactor.fromEnv(process.env),
      stopped: () => this.stopReason ?? (signal.aborted ? signal.reason ?? 'cancelled' : undefined),
      telemetry: this.telemetry,
    };
    this.step = { deps, ctx: this.ctx, log, view: this.view, options: this.options, route: (...args) => this.route(...args) };
  }

  async run(): Promise<RunState> {
    this.runSpan = this.telemetry.span('invoke_workflow codecompanion', {
      [GENAI.operation]: 'invoke_workflow',
      [GENAI.workflowName]: 'codecompanion.run',
      'codecompanion.run.id': this.log.runId,
      'codecompanion.consensus': this.options.consensus,
      'codecompanion.resumed': this.log.state.lastSeq > 1,
    });
    try {
      if (this.runSpan.traceId) await this.log.append(event('run.traced', { traceId: this.runSpan.traceId }));
      return await this.drive();
    } finally {
      this.runSpan.end();
    }
  }

  private async drive(): Promise<RunState> {
    try {
      const spec = await this.plan();
      const revision = this.log.state.revision;
      if (revision) await this.revise(spec, revision);
      else await this.runTasks(spec);
      if (this.options.apply) await applyAccepted(this.log, this.deps);
      const s = this.log.state;
      const patches = Object.values(s.patches);
      await this.log.append(
        event('run.completed', {
          accepted: patches.filter((p) => p.status === 'accepted' || p.status === 'applied' || p.status === 'apply_failed').length,
          rejected: Object.values(s.tasks).filter((t) => t.status !== 'accepted').length,
          applied: patches.filter((p) => p.status === 'applied').length,
          costUsd: s.cost.spentUsd,
        }),
      );
    } catch (err) {
      const terminal = this.terminalEvent(err);
      if (terminal.type === 'run.cancelled') this.runSpan.fail('cancelled', terminal.data.reason);
      else this.runSpan.fail(terminal.data.reason, terminal.data.message);
      await this.log.append(terminal);
    }
    await this.log.flush();
    const s = this.log.state;
    this.runSpan.set({ 'codecompanion.status': s.status, 'codecompanion.cost_usd': s.cost.spentUsd, [GENAI.inputTokens]: s.cost.inputTokens, [GENAI.outputTokens]: s.cost.outputTokens });
    return s;
  }

  private terminalEvent(err: unknown) {
    const message = describeFsError(err) ?? (err instanceof Error ? err.message : String(err));
    if (this.signal.aborted || err instanceof RunStopped) return event('run.cancelled', { reason: describe(this.signal.reason ?? message) });
    if (err instanceof BudgetExceededError) return event('run.failed', { reason: 'budget', message });
    if (err instanceof NoModelError) return event('run.failed', { reason: 'model', message });
    if (err instanceof PlanFailure) return event('run.failed', { reason: 'plan', message });
    return event('run.failed', { reason: 'internal', message });
  }

  private async plan(): Promise<SpecDoc> {
    if (this.log.state.spec) return this.log.state.spec;
    const s = this.log.state;
    const route = await this.route('plan', 'planner', undefined, [], 'plan/planner');
    const files = this.view.listFiles();
    const context = await this.contextFor({ objective: s.objective, files: [] });
    const span = this.taskSpan('plan', 'plan');
    try {
      const out = await callAgent(this.ctx, {
        parent: span,
        baseCallId: 'plan',
        taskId: 'plan',
        role: 'planner',
        round: 1,
        provider: route.provider,
        model: route.model,
        kind: 'SpecDoc',
        prompt: plannerPrompt({ objective: s.objective, files, excerpts: planningExcerpts(this.view, files), ...(context ? { context } : {}) }),
        maxOutputTokens: PLAN_MAX_TOKENS,
        then: (artifactId, spec) => [event('plan.proposed', { callId: artifactId.replace(/\.out$/, ''), spec })],
      });
      return out.body;
    } catch (err) {
      span.fail(err instanceof AgentFailure ? 'agent_failure' : 'stopped', err instanceof Error ? err.message : String(err));
      if (err instanceof AgentFailure) throw new PlanFailure(`planning failed: ${err.message}`);
      throw err;
    } finally {
      span.end();
    }
  }

  private async runTasks(spec: SpecDoc): Promise<void> {
    let fatal: unknown;
    await schedule(spec.tasks, async (task, prerequisites) => {
      if (fatal !== undefined) return 'failed';
      const blocked = prerequisites.find((p) => p.outcome !== 'accepted' && task.dependsOn.includes(p.taskId));
      if (blocked) {
        if (this.log.state.tasks[task.id]?.status === 'pending')
          await this.log.append(event('task.failed', { taskId: task.id, reason: `depends on ${blocked.taskId}, which was not accepted` }));
        return 'failed';
      }
      const span = this.taskSpan(task.id, task.kind);
      try {
        const outcome = await this.runTask(spec, task, span);
        span.set({ 'codecompanion.task.outcome': outcome });
        return outcome;
      } catch (err) {
        span.fail(err instanceof AgentFailure ? 'agent_failure' : err instanceof NoModelError ? 'no_model' : 'stopped', err instanceof Error ? err.message : String(err));
        if (err instanceof AgentFailure || err instanceof NoModelError) {
          await this.log.append(event('task.failed', { taskId: task.id, reason: err.message }));
          return 'failed';
        }
        // budget, cancellation, a broken store: the run stops; tasks in flight see stopped()
        fatal ??= err;
        this.stopReason ??= err;
        return 'failed';
      } finally {
        span.end();
      }
    });
    if (fatal !== undefined) throw fatal;
  }

  private taskSpan(taskId: string, kind: string): TraceSpan {
    return this.runSpan.child(`task ${taskId}`, { 'codecompanion.task.id': taskId, 'codecompanion.task.kind': kind });
  }

  private async runTask(spec: SpecDoc, task: PlanTask, span: TraceSpan): Promise<TaskOutcome> {
    const known = this.log.state.tasks[task.id];
    if (known?.status === 'accepted') {
      this.restage(task.id);
      return 'accepted';
    }
    if (known?.status === 'rejected' || known?.status === 'failed') return known.status;
    return this.rounds(spec, task, { first: 1 }, span);
  }

  /** The user sent an accepted patch back from review: new rounds by its author, on the files as they are now. */
  private async revise(spec: SpecDoc, revision: NonNullable<RunState['revision']>): Promise<void> {
    const task = spec.tasks.find((t) => t.id === revision.taskId);
    const patch = this.log.state.patches[revision.patchId];
    const artifact = patch && this.log.state.artifacts[patch.artifactId];
    if (!task || !patch || artifact?.kind !== 'CodePatch') throw new Error(`cannot revise ${revision.patchId}: the run has no such patch`);
    const feedback: CoderFeedback = { previous: artifact.body, reasons: revision.reasons, from: 'user' };
    const author: RouteDecision = { provider: patch.provider, model: patch.model, explored: false, reason: 'back to its author' };
    const span = this.taskSpan(task.id, task.kind);
    span.set({ 'codecompanion.revision.of': revision.patchId });
    try {
      await this.rounds(spec, task, { first: revision.firstRound, feedback, author }, span);
    } catch (err) {
      span.fail(err instanceof AgentFailure ? 'agent_failure' : err instanceof NoModelError ? 'no_model' : 'stopped', err instanceof Error ? err.message : String(err));
      if (!(err instanceof AgentFailure || err instanceof NoModelError)) throw err;
      await this.log.append(event('task.failed', { taskId: task.id, reason: err.message }));
    } finally {
      span.end();
    }
  }

  /**
   * Rounds of write → validate → review → consensus for one task, from round `first` for at most
   * maxRounds rounds. Later rounds go back to the same author with the reasons its patch was
   * rejected; both are read from the log, so a resumed run continues exactly where it stopped.
   */
  private async rounds(spec: SpecDoc, task: PlanTask, start: { first: number; feedback?: CoderFeedback; author?: RouteDecision }, span: TraceSpan): Promise<TaskOutcome> {
    const role: Role = task.kind === 'test' ? 'tester' : 'coder';
    const last = start.first + this.options.maxRounds - 1;
    for (let round = start.first; round <= last; round++) {
      const patchId = `${task.id}.r${round}`;
      const final = round === last;
      const earlier = round === start.first ? start.author : this.authorOf(`${task.id}.r${round - 1}`);
      const author = earlier ? await this.sameAuthor(task.id, role, patchId, earlier) : await this.route(task.id, role, patchId, [], `${task.id}/${role}/r${round}`);
      const feedback = round === start.first ? start.feedback : this.feedbackOn(`${task.id}.r${round - 1}`);
      const context = await this.contextFor({ objective: spec.objective, taskDescription: task.description, files: task.files });
      const written = await callAgent(this.ctx, {
        parent: span,
        baseCallId: `${patchId}.${role}`,
        taskId: task.id,
        role,
        round,
        provider: author.provider,
        model: author.model,
        kind: 'CodePatch',
        prompt: coderPrompt({ spec, task, files: excerpts(this.view, task.files), ...(feedback ? { feedback } : {}), ...(context ? { context } : {}) }),
        maxOutputTokens: PATCH_MAX_TOKENS,
        then: (artifactId, patch) => [event('patch.proposed', { patchId, taskId: task.id, round, artifactId, provider: author.provider, model: author.model, files: patchFiles(patch) })],
      });
      const patch = written.body;
      const dry = this.view.dryRun(patch);
      const validation = await checkPatch(this.step, { patchId, dry, parent: span, clock: this.clock, signal: this.signal });
      let reasons: string[];
      if (!validation.ok) {
        reasons = [...validation.problems];
        if (!this.log.state.patches[patchId]?.decision)
          await this.log.append(event('consensus.reached', { patchId, rule: this.options.consensus, decision: 'reject', approvals: 0, rejections: 0, reason: 'validation failed: not reviewed' }));
      } else {
        const reviews = await reviewPatch(this.step, { spec, task, patchId, patch, author, checks: validation.problems, parent: span });
        const validator = await validatorVote(this.step, { spec, task, patchId, patch, author, reviews, span });
        const decision = decide(this.options.consensus, true, reviews, validator);
        span
          .child('consensus', { 'codecompanion.patch.id': patchId, 'codecompanion.consensus.rule': this.options.consensus, 'codecompanion.consensus.decision': decision.decision, 'codecompanion.consensus.approvals': decision.approvals, 'codecompanion.consensus.rejections': decision.rejections })
          .end();
        if (!this.log.state.patches[patchId]?.decision) await this.log.append(event('consensus.reached', { patchId, rule: this.options.consensus, ...decision }));
        if (decision.decision === 'accept') {
          if (this.log.state.patches[patchId]?.status !== 'accepted') await this.log.append(event('patch.accepted', { patchId, taskId: task.id }));
          this.view.stage(dry.plan!);
          await this.remember(patchId, task, patch, 'accept', []);
          return 'accepted';
        }
        reasons = [...reviews.filter((r) => r.verdict === 'reject').flatMap((r) => reviewReasons(r)), ...(validator?.verdict === 'reject' ? validator.unmet : [])];
      }
      if (this.log.state.patches[patchId]?.status !== 'rejected') await this.log.append(event('patch.rejected', { patchId, taskId: task.id, reasons, final }));
      await this.remember(patchId, task, patch, 'reject', reasons);
    }
    return 'rejected';
  }

  private authorOf(patchId: string): RouteDecision | undefined {
    const p = this.log.state.patches[patchId];
    return p && { provider: p.provider, model: p.model, explored: false, reason: 'back to its author' };
  }

  /** What the author of `patchId` is told in its next round: the patch and why it was rejected. */
  private feedbackOn(patchId: string): CoderFeedback | undefined {
    const p = this.log.state.patches[patchId];
    const artifact = p && this.log.state.artifacts[p.artifactId];
    return artifact?.kind === 'CodePatch' ? { previous: artifact.body, reasons: p!.rejectionReasons } : undefined;
  }

  /** Routes once per decision: a resumed run finds the earlier decision in the task's routes. */
  private async route(taskId: string, role: Role, patchId: string | undefined, exclude: readonly RouteDecision[], key: string): Promise<RouteDecision> {
    const previous = this.log.state.tasks[taskId]?.routes.filter((r) => r.role === role && r.patchId === patchId) ?? [];
    const index = role === 'reviewer' ? exclude.length - 1 : 0;
    const known = previous[index];
    if (known) return { provider: known.provider, model: known.model, explored: known.explored, reason: 'resumed' };
    const complexity = this.log.state.spec?.tasks.find((t) => t.id === taskId)?.complexity;
    const decision = this.router.route({ role, exclude: exclude.map((x) => ({ provider: x.provider, model: x.model })), key, ...(complexity ? { complexity } : {}) });
    await this.log.append(event('task.routed', { taskId, role, provider: decision.provider, model: decision.model, explored: decision.explored, reason: decision.reason, ...(patchId ? { patchId } : {}) }));
    return decision;
  }

  private async sameAuthor(taskId: string, role: Role, patchId: string, author: RouteDecision): Promise<RouteDecision> {
    if (!this.log.state.tasks[taskId]?.routes.some((r) => r.role === role && r.patchId === patchId))
      await this.log.append(event('task.routed', { taskId, role, provider: author.provider, model: author.model, explored: false, reason: 'back to its author', patchId }));
    return { ...author, explored: false, reason: 'back to its author' };
  }

  /** A task accepted before a crash: its patch goes back on the staged workspace. */
  private restage(taskId: string): void {
    const accepted = Object.values(this.log.state.patches).find((p) => p.taskId === taskId && p.status !== 'rejected' && p.status !== 'proposed' && p.status !== 'validated');
    const artifact = accepted && this.log.state.artifacts[accepted.artifactId];
    if (artifact?.kind !== 'CodePatch') return;
    const dry = this.view.dryRun(artifact.body);
    if (dry.plan?.ok) this.view.stage(dry.plan);
  }

  /** What the user gave the run (attachments, the run it follows up), then related code from memory. */
  private async contextFor(query: { objective: string; taskDescription?: string; files: readonly string[] }): Promise<string | undefined> {
    const given = renderGiven(this.log.state.given);
    const related = await this.relatedCode(query);
    return [given, related].filter(Boolean).join('\n\n') || undefined;
  }

  private async relatedCode(query: { objective: string; taskDescription?: string; files: readonly string[] }): Promise<string> {
    if (!this.deps.context) return '';
    try {
      return await this.deps.context.contextFor(query, this.signal);
    } catch {
      return ''; // memory is an aid: a broken index never stops a run
    }
  }

  private async remember(patchId: string, task: PlanTask, patch: CodePatch, decision: 'accept' | 'reject', reasons: readonly string[]): Promise<void> {
    if (!this.deps.memory) return;
    try {
      await this.deps.memory.rememberPatchDecision({ runId: this.log.runId, objective: this.log.state.objective, patchId, taskTitle: task.title, summary: patch.summary, files: patchFiles(patch), decision, reasons });
    } catch {
      // best effort, as above
    }
  }
}

class PlanFailure extends Error {}

function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : 'cancelled';
}
