// The cascade's mechanical validation of one patch: it must apply to the staged workspace, and the
// run's check command (if any) must pass on a contained copy with the patch on it. The outcome, and
// the check's TestReport, are recorded once; a resumed run reads them back.
import { event } from '../events';
import type { Clock } from '../ports/clock';
import type { TraceSpan } from '../ports/telemetry';
import { localChecks } from './checkCommand';
import type { StepDeps } from './step';
import type { WorkspaceView } from './workspaceView';

export interface CheckOutcome {
  readonly ok: boolean;
  readonly problems: readonly string[];
}

export async function checkPatch(
  step: StepDeps,
  input: { patchId: string; dry: ReturnType<WorkspaceView['dryRun']>; parent: TraceSpan; clock: Clock; signal: AbortSignal },
): Promise<CheckOutcome> {
  const { log, options, deps } = step;
  const { patchId, dry } = input;
  const recorded = log.state.patches[patchId]?.validation;
  if (recorded) return recorded;
  const problems = [...dry.problems];
  const command = options.checkCommand;
  const testArtifactId = `${patchId}.check`;
  let report;
  if (dry.plan?.ok && command) {
    const span = input.parent.child('check', { 'codecompanion.patch.id': patchId, 'process.command_line': command });
    try {
      const checks = deps.checks ?? localChecks(input.clock, deps.check ?? { env: process.env, pass: [] });
      report = await checks.run(step.view, dry.plan, command, options.checkTimeoutMs, input.signal, `${log.runId}/${patchId}.check`);
      span.set({ 'process.exit.code': report.exitCode ?? undefined, 'codecompanion.check.passed': report.passed, 'codecompanion.check.timed_out': report.timedOut });
      if (!report.passed) span.fail(report.timedOut ? 'timeout' : 'check_failed');
    } finally {
      span.end();
    }
    if (!report.passed) problems.push(`the check command \`${command}\` ${report.timedOut ? 'timed out' : `exited with ${report.exitCode}`}:\n${report.output.slice(-1500)}`);
  }
  const applies = dry.plan?.ok ?? false;
  await log.append(
    ...(report ? [event('artifact.produced', { kind: 'TestReport', artifactId: testArtifactId, taskId: patchId.replace(/\.r\d+$/, ''), body: report })] : []),
    event('patch.validated', { patchId, ok: problems.length === 0, applies, problems, ...(report ? { testArtifactId } : {}) }),
  );
  return { ok: problems.length === 0, problems };
}
