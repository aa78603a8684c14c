// What `codecompanion run` says on stderr while a run goes: one line per step that matters, and on
// a terminal a live status line with each agent in flight and what it has streamed.
import type { RecordedEvent } from '../core/events';
import { usd } from '../core/cost/costGovernor';
import type { RunState } from '../core/orchestrator/runState';

export function describeEvent(e: RecordedEvent): string | undefined {
  const d = e.data as Record<string, unknown>;
  switch (e.type) {
    case 'run.started':
      return `run ${e.runId}: ${e.data.objective}`;
    case 'plan.proposed':
      return `plan: ${e.data.spec.summary}\n${e.data.spec.tasks.map((t) => `  - ${t.id}: ${t.title}${t.dependsOn.length ? ` (after ${t.dependsOn.join(', ')})` : ''}`).join('\n')}`;
    case 'task.routed':
      return `${e.data.taskId}: ${e.data.role} → ${e.data.provider}/${e.data.model} (${e.data.reason})`;
    case 'agent.call.finished':
      return e.data.outcome === 'invalid'
        ? `${e.data.callId}: invalid output, asking for one repair (${e.data.error?.slice(0, 120)})`
        : `${e.data.callId}: done in ${(e.data.durationMs / 1000).toFixed(1)} s, ${e.data.usage.inputTokens}+${e.data.usage.outputTokens} tokens, ${e.data.costUsd === null ? 'price unknown' : usd(e.data.costUsd)}`;
    case 'agent.call.failed':
      return `${e.data.callId}: failed (${e.data.kind}): ${e.data.message}`;
    case 'patch.validated':
      return `${e.data.patchId}: ${e.data.ok ? 'validated' : `validation failed: ${e.data.problems.map((p) => p.split('\n')[0]).join('; ')}`}`;
    case 'review.verdict':
      return `${e.data.patchId}: ${e.data.provider}/${e.data.model} ${e.data.verdict === 'approve' ? 'approves' : 'rejects'} (score ${e.data.score.toFixed(2)})`;
    case 'consensus.reached':
      return `${e.data.patchId}: ${e.data.decision === 'accept' ? 'accepted' : 'rejected'} (${e.data.reason})`;
    case 'patch.rejected':
      return e.data.final ? `${e.data.taskId}: no patch accepted after the last round` : `${e.data.patchId}: back to its author with ${e.data.reasons.length} reason(s)`;
    case 'task.failed':
      return `${e.data.taskId}: failed: ${e.data.reason}`;
    case 'patch.applied':
      return `${e.data.patchId}: ${e.data.ok ? `applied to ${e.data.files.join(', ')}` : `not applied: ${e.data.error}`}`;
    case 'budget.exceeded':
      return `budget: ${e.data.message}`;
    case 'run.paused':
    case 'run.resumed':
      return `${e.type.slice(4)}${d.reason ? `: ${String(d.reason)}` : ''}`;
    case 'run.completed':
      return `completed: ${e.data.accepted} patch(es) accepted, ${e.data.applied} applied, ${usd(e.data.costUsd)} spent`;
    case 'run.failed':
      return `failed (${e.data.reason}): ${e.data.message}`;
    case 'run.cancelled':
      return `cancelled: ${e.data.reason}`;
    default:
      return undefined;
  }
}

/** The live line: agents in flight, chars streamed, cost against the budget. */
export function statusLine(state: RunState, width: number): string {
  const running = Object.values(state.calls).filter((c) => c.status === 'running');
  const agents = running.map((c) => `${c.role} ${c.taskId} ${c.model} ${c.streamedChars}ch`).join(' | ');
  const budget = state.options?.budgetUsd;
  const cost = `${usd(state.cost.spentUsd)}${budget !== null && budget !== undefined ? `/${usd(budget)}` : ''}`;
  const line = `[${cost}] ${running.length ? agents : 'waiting'}`;
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

export function summary(state: RunState): string {
  const lines: string[] = [];
  const patches = Object.values(state.patches);
  const final = patches.filter((p) => p.status !== 'rejected' && p.status !== 'proposed' && p.status !== 'validated');
  lines.push('', `Run ${state.runId}: ${state.status}${state.error ? ` (${state.error.message})` : ''}`);
  if (final.length) {
    lines.push('Patches that passed review:');
    for (const p of final) {
      const artifact = state.artifacts[p.artifactId];
      const what = artifact?.kind === 'CodePatch' ? artifact.body.summary : '';
      const status = p.status === 'applied' ? 'applied' : p.status === 'apply_failed' ? `NOT applied: ${p.applyError}` : 'proposed (use --apply to apply)';
      lines.push(`  ${p.patchId} by ${p.provider}/${p.model}: ${what}`, `    files: ${p.files.join(', ')}; ${status}`);
    }
  } else lines.push('No patch passed review.');
  const unfinished = Object.values(state.tasks).filter((t) => t.status !== 'accepted');
  for (const t of unfinished) {
    const last = t.patchIds.map((id) => state.patches[id]).filter(Boolean).at(-1);
    lines.push(`  task ${t.taskId} ${t.status}${last?.rejectionReasons.length ? `: ${last.rejectionReasons[0]!.split('\n')[0]}` : ''}`);
  }
  const unpriced = state.cost.unpricedCalls ? ` (+${state.cost.unpricedCalls} call(s) at an unknown price)` : '';
  lines.push(`Cost: ${usd(state.cost.spentUsd)}${unpriced}; tokens in ${state.cost.inputTokens}, out ${state.cost.outputTokens}`);
  return `${lines.join('\n')}\n`;
}
