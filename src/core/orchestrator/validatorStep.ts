// The cascade's third step: after review, a validator agent on another model than the author checks
// the task's requirements one by one against the patch, the reviewers' reports and the check command's
// output, and votes (consensus.ts counts the vote). It runs when the mode is 'always', or
// 'disagreement' and the reviewers split or the planner rated the task high complexity.
import type { PlanTask, ReviewReport, SpecDoc } from '../artifacts/schemas';
import { callAgent, type AgentContext } from '../agents/agentCall';
import { validatorPrompt } from '../agents/prompts';
import { event, type Role, type ValidatorMode } from '../events';
import { patchFiles, type CodePatch } from '../patch/codePatch';
import type { TraceSpan } from '../ports/telemetry';
import { NoModelError, type RouteDecision } from '../router/router';
import { unanimous } from './consensus';
import type { RunLog } from './runLog';
import { excerpts } from './taskPlan';
import type { WorkspaceView } from './workspaceView';

const VALIDATE_MAX_TOKENS = 3072;

export interface ValidatorDeps {
  readonly ctx: AgentContext;
  readonly log: RunLog;
  readonly view: WorkspaceView;
  readonly mode: ValidatorMode;
  /** The run's routing for this task (recorded once, reused on resume). */
  readonly route: (role: Role, patchId: string, exclude: readonly RouteDecision[], key: string) => Promise<RouteDecision>;
}

export interface ValidatorVote {
  readonly verdict: 'approve' | 'reject';
  /** What goes back to the author when the vote rejects: each unmet requirement with its evidence. */
  readonly unmet: readonly string[];
}

export function needsValidator(mode: ValidatorMode, reviews: readonly ReviewReport[], task: PlanTask): boolean {
  if (mode === 'off' || reviews.length === 0) return false;
  return mode === 'always' || !unanimous(reviews) || task.complexity === 'high';
}

export async function validatorVote(
  deps: ValidatorDeps,
  input: { spec: SpecDoc; task: PlanTask; patchId: string; patch: CodePatch; author: RouteDecision; reviews: readonly ReviewReport[]; span: TraceSpan },
): Promise<ValidatorVote | undefined> {
  const { spec, task, patchId, patch, author } = input;
  if (!needsValidator(deps.mode, input.reviews, task)) return undefined;
  let route: RouteDecision;
  try {
    route = await deps.route('validator', patchId, [author], `${patchId}/validator`);
  } catch (err) {
    if (err instanceof NoModelError) return undefined; // one model only: the reviewers' vote stands
    throw err;
  }
  const state = deps.log.state;
  const seen = (state.patches[patchId]?.reviews ?? []).flatMap((r) => {
    const a = state.artifacts[r.artifactId];
    return a?.kind === 'ReviewReport' ? [{ provider: r.provider, model: r.model, report: a.body }] : [];
  });
  const testId = state.patches[patchId]?.validation?.testArtifactId;
  const test = testId ? state.artifacts[testId] : undefined;
  const out = await callAgent(deps.ctx, {
    parent: input.span,
    baseCallId: `${patchId}.validator`,
    taskId: task.id,
    role: 'validator',
    round: Number(patchId.slice(patchId.lastIndexOf('.r') + 2)),
    provider: route.provider,
    model: route.model,
    kind: 'ValidationReport',
    prompt: validatorPrompt({ spec, task, patch, files: excerpts(deps.view, patchFiles(patch)), reviews: seen, test: test?.kind === 'TestReport' ? test.body : undefined }),
    maxOutputTokens: VALIDATE_MAX_TOKENS,
    then: (artifactId, report) => [
      event('validation.verdict', { patchId, artifactId, provider: route.provider, model: route.model, verdict: report.verdict, unmet: report.requirements.filter((r) => !r.met).length, why: report.summary.slice(0, 300) }),
    ],
  });
  const unmet = out.body.requirements.filter((r) => !r.met).map((r) => `validator: ${r.requirement}: ${r.evidence}`);
  return { verdict: out.body.verdict, unmet: unmet.length ? unmet : [`validator: ${out.body.summary}`] };
}
