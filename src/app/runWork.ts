// One unit of run work (a new objective, a resume, a revision) as every headless host does it: what
// the store knows of past runs, the workspace memory, the orchestrator, and the run remembered after.
// The CLI's `run`/`resume`/`revise` and the API server's POST /runs share this, so they cannot drift.
import type { RecordedEvent, RunOptions } from '../core/events';
import { resumeRun, reviseTask, runObjective, type OrchestratorDeps, type RevisionRequest } from '../core/orchestrator/orchestrator';
import type { RunState } from '../core/orchestrator/runState';
import { systemClock } from '../core/ports/clock';
import type { Embedder } from '../core/ports/model';
import { Redactor } from '../core/security/redaction';
import { pastRuns, type Models } from './engine';
import { type OpenedStore } from './openStore';
import { workspaceMemory } from './memory';

export type Work =
  | { readonly objective: string; readonly options?: Partial<RunOptions>; readonly runId?: string }
  | { readonly resume: string }
  | { readonly revise: RevisionRequest };

export interface WorkContext {
  readonly root: string;
  readonly opened: OpenedStore;
  readonly models: Models;
  /** For the workspace memory; none when answering from a recording (its prompts must not change). */
  readonly embedder: Embedder | undefined;
  readonly onEvent?: (event: RecordedEvent) => void;
  /** What the host adds: provider limits, sensitive-path rules, telemetry, the check's environment and where checks run, the redactor, the team bus, models pinned per complexity. */
  readonly extra?: Pick<OrchestratorDeps, 'limits' | 'sensitive' | 'telemetry' | 'check' | 'checks' | 'redactor' | 'bus' | 'pinned'>;
  readonly signal: AbortSignal;
}

export async function performWork(ctx: WorkContext, what: Work): Promise<RunState> {
  const past = await pastRuns(ctx.opened.store, Date.now());
  const memory = workspaceMemory(ctx.opened.db, ctx.embedder);
  const deps: OrchestratorDeps = {
    store: ctx.opened.store,
    workspaceRoot: ctx.root,
    models: ctx.models.models,
    candidates: ctx.models.candidates,
    prices: ctx.models.prices,
    clock: systemClock,
    performance: past.performance,
    daySpentUsd: past.daySpentUsd,
    ...(memory.context ? { context: memory.context } : {}),
    memory: memory.memory,
    ...(ctx.onEvent ? { onEvent: ctx.onEvent } : {}),
    // the configured keys (a server's PUT /keys included) are scrubbed even when the host gives no redactor
    redactor: Redactor.fromEnv(process.env, ctx.models.secrets ?? []),
    ...ctx.extra,
  };
  const final =
    'objective' in what
      ? await runObjective(deps, { objective: what.objective, ...(what.options ? { options: what.options } : {}), ...(what.runId ? { runId: what.runId } : {}) }, ctx.signal)
      : 'resume' in what
        ? await resumeRun(deps, what.resume, ctx.signal)
        : await reviseTask(deps, what.revise, ctx.signal);
  await memory.memory.rememberRun(final).catch(() => undefined); // memory is an aid, never the run's outcome
  return final;
}
