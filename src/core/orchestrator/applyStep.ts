// `--apply`: the run's accepted patches, in the order they were accepted, written to the real
// workspace. Sensitive files are never applied automatically: the rest of a patch is, they wait for
// the user's review. Each patch's outcome is one patch.applied event.
import { event } from '../events';
import { applyPatch } from '../patch/applyPatch';
import { SensitivePaths } from '../patch/sensitivePaths';
import type { OrchestratorDeps } from './orchestrator';
import type { RunLog } from './runLog';

export async function applyAccepted(log: RunLog, deps: OrchestratorDeps): Promise<void> {
  const accepted = Object.values(log.state.patches)
    .filter((p) => p.status === 'accepted')
    .sort((a, b) => (a.acceptedOrder ?? 0) - (b.acceptedOrder ?? 0));
  const sensitive = { paths: deps.sensitive?.paths ?? new SensitivePaths(), ...(deps.sensitive?.allow ? { allow: deps.sensitive.allow } : {}), mode: 'hold' as const };
  for (const p of accepted) {
    const artifact = log.state.artifacts[p.artifactId];
    if (artifact?.kind !== 'CodePatch') continue;
    const report = await applyPatch(artifact.body, { root: deps.workspaceRoot, sensitive });
    const refused = report.edits.filter((e) => e.status === 'refused').map((e) => `${e.path}: ${e.reason ?? 'refused'}`);
    const error = report.writeError ?? (refused.length ? refused.join('; ') : undefined);
    const held = report.held?.map((h) => ({ path: h.path, rule: h.rule })) ?? [];
    await log.append(event('patch.applied', { patchId: p.patchId, files: report.files.map((f) => f.path), ok: report.written, ...(error ? { error } : {}), ...(held.length ? { held } : {}) }));
  }
}
