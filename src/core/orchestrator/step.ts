// What every step of a task's round (check, review, validator, apply) works with: the run's agent
// context and log, the staged workspace, the run's options and its routing (recorded once, reused on
// resume). The driver (runDriver.ts) sequences the steps; each step lives in its own module.
import type { AgentContext } from '../agents/agentCall';
import type { Role, RunOptions } from '../events';
import type { RouteDecision } from '../router/router';
import type { OrchestratorDeps } from './orchestrator';
import type { RunLog } from './runLog';
import type { WorkspaceView } from './workspaceView';

export interface StepDeps {
  readonly deps: OrchestratorDeps;
  readonly ctx: AgentContext;
  readonly log: RunLog;
  readonly view: WorkspaceView;
  readonly options: RunOptions;
  readonly route: (taskId: string, role: Role, patchId: string | undefined, exclude: readonly RouteDecision[], key: string) => Promise<RouteDecision>;
}

/** The round a patch id names (`t1.r2` → 2). */
export function roundOf(patchId: string): number {
  return Number(patchId.slice(patchId.lastIndexOf('.r') + 2));
}
