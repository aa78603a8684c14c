// What `codecompanion run` says on stderr while a run goes: one line per step that matters, and on
// a terminal a live status line with each agent in flight and what it has streamed.
import { usd } from '../core/cost/costGovernor';
import type { RunState } from '../core/orchestrator/runState';
import { heldText } from '../app/eventText';

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
      const status = (p.status === 'applied' ? 'applied' : p.status === 'apply_failed' ? `NOT applied: ${p.applyError}` : 'proposed (use --apply to apply)') + heldText(p.held);
      lines.push(`  ${p.patchId} by ${p.provider}/${p.model}: ${what}`, `    files: ${p.files.join(', ')}; ${status}`);
    }
  } else lines.push('No patch passed review.');
  const held = patches.flatMap((p) => p.held ?? []);
  if (held.length)
    lines.push(`Sensitive files left unapplied (${held.map((h) => h.path).join(', ')}): accept each one explicitly, in the editor's review or with --allow-sensitive PATH on the next run`);
  const unfinished = Object.values(state.tasks).filter((t) => t.status !== 'accepted');
  for (const t of unfinished) {
    const last = t.patchIds.map((id) => state.patches[id]).filter(Boolean).at(-1);
    lines.push(`  task ${t.taskId} ${t.status}${last?.rejectionReasons.length ? `: ${last.rejectionReasons[0]!.split('\n')[0]}` : ''}`);
  }
  const unpriced = state.cost.unpricedCalls ? ` (+${state.cost.unpricedCalls} call(s) at an unknown price)` : '';
  lines.push(`Cost: ${usd(state.cost.spentUsd)}${unpriced}; tokens in ${state.cost.inputTokens}, out ${state.cost.outputTokens}`);
  return `${lines.join('\n')}\n`;
}
