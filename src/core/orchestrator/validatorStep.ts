// The cascade's third step: after review, a validator agent on another model than the author checks
// the task's requirements one by one against the patch, the reviewers' reports and the check command's
// output, and votes (consensus.ts counts the vote). It runs when the mode is 'always', or
// 'disagreement' and the reviewers split or the planner rated the task high complexity.
import type { PlanTask, ReviewReport, SpecDoc } from '../artifacts/schemas';
import { callAgent } from '../agents/agentCall';
import { validatorPrompt } from '../agents/prompts';
import { event, type ValidatorMode } from '../events';
import { patchFiles, type CodePatch } from '../patch/codePatch';
import type { TraceSpan } from '../ports/telemetry';
import { NoModelError, type RouteDecision } from '../router/router';
import { unanimous } from './consensus';
import { roundOf, type StepDeps } from './step';
import { excerpts } from './taskPlan';

const VALIDATE_MAX_TOKENS = 3072;

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
  step: StepDeps,
  input: { spec: SpecDoc; task: PlanTask; patchId: string; patch: CodePatch; author: RouteDecision; reviews: readonly ReviewReport[]; span: TraceSpan },
): Promise<ValidatorVote | undefined> {
  const { spec, task, patchId, patch, author } = input;
  if (!needsValidator(step.options.validator ?? 'off', input.reviews, task)) return undefined;
  let route: RouteDecision;
  try {
    route = await step.route(task.id, 'validator', patchId, [author], `${patchId}/validator`);
  } catch (err) {
    if (err instanceof NoModelError) return undefined; // one model only: the reviewers' vote stands
    throw err;
  }
  const state = step.log.state;
  const seen = (state.patches[patchId]?.reviews ?? []).flatMap((r) => {
    const a = state.artifacts[r.artifactId];
    return a?.kind === 'ReviewReport' ? [{ provider: r.provider, model: r.model, report: a.body }] : [];
  });
  const testId = state.patches[patchId]?.validation?.testArtifactId;
  const test = testId ? state.artifacts[testId] : undefined;
  const out = await callAgent(step.ctx, {
    parent: input.span,
    baseCallId: `${patchId}.validator`,
    taskId: task.id,
    role: 'validator',
    round: roundOf(patchId),
    provider: route.provider,
    model: route.model,
    kind: 'ValidationReport',
    prompt: validatorPrompt({ spec, task, patch, files: excerpts(step.view, patchFiles(patch)), reviews: seen, test: test?.kind === 'TestReport' ? test.body : undefined }),
    maxOutputTokens: VALIDATE_MAX_TOKENS,
    then: (artifactId, report) => [
      event('validation.verdict', { patchId, artifactId, provider: route.provider, model: route.model, verdict: report.verdict, unmet: report.requirements.filter((r) => !r.met).length, why: report.summary.slice(0, 300) }),
    ],
  });
  const unmet = out.body.requirements.filter((r) => !r.met).map((r) => `validator: ${r.requirement}: ${r.evidence}`);
  return { verdict: out.body.verdict, unmet: unmet.length ? unmet : [`validator: ${out.body.summary}`] };
}
