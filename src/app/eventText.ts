// One line of text per run event that matters: the CLI's progress lines and the editor's event log.
import type { RecordedEvent } from '../core/events';
import { usd } from '../core/cost/costGovernor';
import { describeGiven } from '../core/agents/runGiven';

export function describeEvent(e: RecordedEvent): string | undefined {
  const d = e.data as Record<string, unknown>;
  switch (e.type) {
    case 'run.started': {
      const given = describeGiven(e.data.given);
      // one line even for an objective typed on several (the chat box's Shift+Enter)
      return `run ${e.runId}: ${e.data.objective.replace(/\s*\n\s*/g, ' ')}${given ? ` · ${given}` : ''}`;
    }
    case 'plan.proposed':
      return `plan: ${e.data.spec.summary}\n${e.data.spec.tasks.map((t) => `  - ${t.id}: ${t.title}${t.dependsOn.length ? ` (after ${t.dependsOn.join(', ')})` : ''}`).join('\n')}`;
    case 'task.routed':
      return `${e.data.taskId}: ${e.data.role} → ${e.data.provider}/${e.data.model} (${plainRouteReason(e.data.reason)})`;
    case 'agent.call.finished':
      return e.data.outcome === 'invalid'
        ? `${e.data.callId}: invalid output, asking for one repair (${e.data.error?.slice(0, 120)})`
        : `${e.data.callId}: done in ${(e.data.durationMs / 1000).toFixed(1)} s, ${e.data.usage.inputTokens}+${e.data.usage.outputTokens} tokens, ${e.data.costUsd === null ? 'price unknown' : usd(e.data.costUsd)}`;
    case 'agent.call.failed':
      return `${e.data.callId}: failed (${e.data.kind}): ${e.data.message}`;
    case 'patch.validated':
      return `${e.data.patchId}: ${e.data.ok ? 'validated' : `validation failed: ${e.data.problems.map(problemLine).join('; ')}`}`;
    case 'review.verdict':
      return `${e.data.patchId}: ${e.data.provider}/${e.data.model} ${e.data.verdict === 'approve' ? 'approves' : 'rejects'} (score ${e.data.score.toFixed(2)})`;
    case 'validation.verdict':
      return `${e.data.patchId}: validator ${e.data.provider}/${e.data.model} ${e.data.verdict === 'approve' ? 'approves' : 'rejects'} (${e.data.unmet} requirement(s) unmet): ${e.data.why}`;
    case 'consensus.reached':
      return `${e.data.patchId}: ${e.data.decision === 'accept' ? 'accepted' : 'rejected'} (${e.data.reason})`;
    case 'patch.rejected':
      return e.data.final ? `${e.data.taskId}: no patch accepted after the last round` : `${e.data.patchId}: back to its author with ${e.data.reasons.length} reason(s)`;
    case 'task.failed':
      return `${e.data.taskId}: failed: ${e.data.reason}`;
    case 'patch.applied':
      return `${e.data.patchId}: ${e.data.ok ? (e.data.files.length ? `applied to ${e.data.files.join(', ')}` : 'nothing applied') : `not applied: ${e.data.error}`}${heldText(e.data.held)}`;
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
    case 'run.traced':
      return `traced: OpenTelemetry trace ${e.data.traceId}`;
    default:
      return undefined;
  }
}

/** A one-line summary of any event, for the event log (describeEvent's first line, or the gist). */
export function eventSummary(e: RecordedEvent): string {
  const line = describeEvent(e);
  if (line) return line.split('\n')[0]!;
  switch (e.type) {
    case 'agent.call.started':
      return `${e.data.callId}: ${e.data.role} on ${e.data.provider}/${e.data.model} (round ${e.data.round}, attempt ${e.data.attempt}, ${e.data.promptTokens} prompt tokens)`;
    case 'agent.call.streamed':
      return `${e.data.callId}: +${e.data.chars} chars ${JSON.stringify(e.data.text.slice(-60))}`;
    case 'artifact.produced':
      return `${e.data.kind} ${e.data.artifactId}`;
    case 'patch.proposed':
      return `${e.data.patchId}: proposed by ${e.data.provider}/${e.data.model}: ${e.data.files.join(', ')}`;
    case 'patch.accepted':
      return `${e.data.patchId}: accepted`;
    case 'budget.reserved':
      return `${e.data.callId}: reserved ${usd(e.data.amountUsd)} (run holds ${usd(e.data.runReservedUsd)})`;
    case 'budget.released':
      if (e.data.unknownUsage && e.data.spentUsd === e.data.reservedUsd) return `${e.data.callId}: cut off with its usage unknown, charged its whole hold of ${usd(e.data.reservedUsd)}`;
      if (e.data.unknownUsage) return `${e.data.callId}: cut off with its usage unknown, charged ${usd(e.data.spentUsd ?? 0)} on top of what its vendor reported (the worst case of its ${usd(e.data.reservedUsd)} hold)`;
      return `${e.data.callId}: released ${usd(e.data.reservedUsd)}${e.data.spentUsd === null ? '' : `, spent ${usd(e.data.spentUsd)}`}`;
    default:
      return e.type;
  }
}

/** Sensitive files an automatic apply left alone, each with its rule. */
export function heldText(held: readonly { path: string; rule: string }[] | undefined): string {
  if (!held?.length) return '';
  return `; left unapplied for explicit acceptance: ${held.map((h) => `${h.path} (sensitive path rule '${h.rule}')`).join(', ')}`;
}

/**
 * One line for a validation problem: its first line, and when that only introduces the output
 * ("`node --test` exited with 1:"), the output line that says why, on the same line.
 */
export function problemLine(problem: string): string {
  const [first = '', ...rest] = problem.split('\n');
  if (!first.trimEnd().endsWith(':')) return first;
  const lines = rest.map((l) => l.trim()).filter(Boolean);
  const why = lines.find((l) => /^(not ok|✖|FAIL|AssertionError|Error|\w*Error:|E\s)/.test(l)) ?? lines.find((l) => /error|fail|expected/i.test(l)) ?? lines[lines.length - 1];
  return why ? `${first.trimEnd()} ${why.length > 160 ? `${why.slice(0, 159)}…` : why}` : first.trimEnd().replace(/:$/, '');
}

/** The router's reason in plain words: "explore: quality 0.50 at ~$0.0050/call among 6" → "trying it out: …". */
export function plainRouteReason(reason: string): string {
  const m = /^(explore|best): quality ([\d.]+) at ~\$([\d.]+)\/call among (\d+)$/.exec(reason);
  if (!m) return reason;
  const [, kind, quality, cost, pool] = m;
  return `${kind === 'explore' ? 'trying a less-measured model' : 'best value so far'}: review score ${quality} at about $${cost} a call, of ${pool} models`;
}
