// The cascade's second step: reviewers on other models than the author (as many distinct models as
// the run asks for, fewer if there are not that many) review the patch in parallel, each answering
// with a ReviewReport. Consensus (consensus.ts) counts their verdicts.
import type { PlanTask, ReviewReport, SpecDoc } from '../artifacts/schemas';
import { callAgent, AgentFailure } from '../agents/agentCall';
import { reviewerPrompt } from '../agents/prompts';
import { event } from '../events';
import { patchFiles, type CodePatch } from '../patch/codePatch';
import type { TraceSpan } from '../ports/telemetry';
import { NoModelError, type RouteDecision } from '../router/router';
import { roundOf, type StepDeps } from './step';
import { excerpts } from './taskPlan';

const REVIEW_MAX_TOKENS = 2048;

export interface ReviewInput {
  readonly spec: SpecDoc;
  readonly task: PlanTask;
  readonly patchId: string;
  readonly patch: CodePatch;
  readonly author: RouteDecision;
  /** What "validated" means for this patch, told to the reviewers. */
  readonly checks: readonly string[];
  readonly parent: TraceSpan;
}

export async function reviewPatch(step: StepDeps, input: ReviewInput): Promise<ReviewReport[]> {
  const span = input.parent.child('review', { 'codecompanion.patch.id': input.patchId, 'codecompanion.reviewers': step.options.reviewersPerPatch });
  try {
    const reports = await reviewCalls(step, input, span);
    span.set({ 'codecompanion.review.verdicts': reports.map((r) => r.verdict), 'codecompanion.review.mean_score': reports.reduce((n, r) => n + r.score, 0) / Math.max(1, reports.length) });
    return reports;
  } catch (err) {
    span.fail(err instanceof AgentFailure ? 'agent_failure' : 'stopped', err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    span.end();
  }
}

async function reviewCalls(step: StepDeps, input: ReviewInput, span: TraceSpan): Promise<ReviewReport[]> {
  const { spec, task, patchId, patch, author } = input;
  const reviewers: RouteDecision[] = [];
  for (let i = 1; i <= step.options.reviewersPerPatch; i++) {
    try {
      reviewers.push(await step.route(task.id, 'reviewer', patchId, [author, ...reviewers], `${patchId}/reviewer/${i}`));
    } catch (err) {
      // fewer distinct models than reviewers asked for: review with the ones there are
      if (err instanceof NoModelError && reviewers.length > 0) break;
      throw err;
    }
  }
  const files = excerpts(step.view, patchFiles(patch));
  const command = step.options.checkCommand;
  const validation = input.checks.length ? input.checks : [command ? `the patch applies cleanly and \`${command}\` passes` : 'the patch applies cleanly'];
  const outputs = await Promise.all(
    reviewers.map((r, i) =>
      callAgent(step.ctx, {
        parent: span,
        baseCallId: `${patchId}.review${i + 1}`,
        taskId: task.id,
        role: 'reviewer',
        round: roundOf(patchId),
        provider: r.provider,
        model: r.model,
        kind: 'ReviewReport',
        prompt: reviewerPrompt({ spec, task, patch, files, validation }),
        maxOutputTokens: REVIEW_MAX_TOKENS,
        then: (artifactId, report) => [event('review.verdict', { patchId, artifactId, provider: r.provider, model: r.model, verdict: report.verdict, score: report.score })],
      }),
    ),
  );
  return outputs.map((o) => o.body);
}
