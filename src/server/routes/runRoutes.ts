// Runs: start (POST /runs, and POST /run_real as the original design named it), list, inspect,
// cancel, resume. A run's state is the engine's own fold over its events.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { WorkspaceStore } from '../../app/workspaceStore';
import { parseEvent, type RunOptions } from '../../core/events';
import { projectRun, type RunState } from '../../core/orchestrator/runState';
import { ApiError, ErrorBodySchema } from '../apiErrors';
import { OkSchema, RunAcceptedSchema, RunIdParam, runLinks, RunsListSchema, RunsQuery, RunViewSchema, StartRunBody } from '../apiSchemas';
import type { RunService } from '../runService';

export function registerRunRoutes(app: FastifyInstance, deps: { store: WorkspaceStore; runs: RunService; allowCheck: boolean }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const errors = { 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema };

  const start = async (body: z.infer<typeof StartRunBody>) => {
    if (body.check !== undefined && !deps.allowCheck) throw new ApiError(403, 'check_not_allowed', 'a check command runs shell: the API accepts one only when the server was started with --allow-check (otherwise runs use serve --check)');
    const options: { -readonly [K in keyof RunOptions]?: RunOptions[K] } = {};
    if (body.budgetUsd !== undefined) options.budgetUsd = body.budgetUsd;
    if (body.reviewers !== undefined) options.reviewersPerPatch = body.reviewers;
    if (body.consensus !== undefined) options.consensus = body.consensus;
    if (body.apply !== undefined) options.apply = body.apply;
    if (body.check !== undefined) options.checkCommand = body.check;
    const runId = await deps.runs.start(body.objective, options);
    return { runId, status: 'running', links: runLinks(runId) };
  };
  const startSchema = { summary: 'Start a run; answers once its first event is durable. 409 while another run is going (one writer per workspace)', body: StartRunBody, response: { 202: RunAcceptedSchema, ...errors, 403: ErrorBodySchema } };
  api.post('/runs', { schema: startSchema }, async (request, reply) => reply.code(202).send(await start(request.body)));
  api.post('/run_real', { schema: { ...startSchema, summary: 'Alias of POST /runs (the original design\'s name)' } }, async (request, reply) => reply.code(202).send(await start(request.body)));

  api.get('/runs', { schema: { summary: 'The runs, newest first, a page at a time', querystring: RunsQuery, response: { 200: RunsListSchema } } }, async (request) => {
    const { store } = await deps.store.read();
    const all = await store.listRuns();
    const page = all.slice(request.query.offset, request.query.offset + request.query.limit);
    const runs = [];
    for (const r of page) {
      const state = await project(store, r.runId).catch(() => undefined); // one damaged run never hides the others
      runs.push({ runId: r.runId, status: state?.status ?? 'damaged', objective: state?.objective ?? '', createdAt: new Date(r.createdAt).toISOString(), updatedAt: new Date(r.updatedAt).toISOString(), events: r.eventCount, costUsd: state?.cost.spentUsd ?? 0 });
    }
    const next = request.query.offset + page.length < all.length ? request.query.offset + page.length : null;
    return { runs, next };
  });

  api.get('/runs/:id', { schema: { summary: "A run's state: status, tasks, patches, cost", params: RunIdParam, response: { 200: RunViewSchema, ...errors } } }, async (request) => {
    const { store } = await deps.store.read();
    const state = await project(store, request.params.id);
    if (!state) throw new ApiError(404, 'no_such_run', `there is no run ${request.params.id} in this workspace`);
    return view(state, deps.runs.activeRunId === state.runId);
  });

  api.post('/runs/:id/cancel', { schema: { summary: 'Cancel a run this server is running', params: RunIdParam, response: { 202: OkSchema, ...errors } } }, async (request, reply) => {
    if (!deps.runs.cancel(request.params.id)) throw new ApiError(409, 'not_running', `run ${request.params.id} is not running in this server`);
    return reply.code(202).send({ ok: true, message: `cancelling run ${request.params.id}; its events end with run.cancelled` });
  });

  api.post('/runs/:id/resume', { schema: { summary: 'Resume an interrupted or paused run from its events', params: RunIdParam, response: { 202: RunAcceptedSchema, ...errors } } }, async (request, reply) => {
    await deps.runs.resume(request.params.id);
    return reply.code(202).send({ runId: request.params.id, status: 'running', links: runLinks(request.params.id) });
  });
}

async function project(store: Awaited<ReturnType<WorkspaceStore['read']>>['store'], runId: string): Promise<RunState | undefined> {
  const stored = await store.readRun(runId);
  if (stored.length === 0) return undefined;
  try {
    return projectRun(runId, stored.map(parseEvent));
  } catch (err) {
    throw new ApiError(409, 'damaged_run', (err as Error).message.split('\n')[0]!);
  }
}

function view(s: RunState, active: boolean): z.infer<typeof RunViewSchema> {
  return {
    runId: s.runId,
    status: s.status,
    objective: s.objective,
    startedAt: s.startedAt ?? null,
    endedAt: s.endedAt ?? null,
    active,
    cost: { spentUsd: s.cost.spentUsd, reservedUsd: s.cost.reservedUsd, inputTokens: s.cost.inputTokens, outputTokens: s.cost.outputTokens, unpricedCalls: s.cost.unpricedCalls },
    tasks: s.taskOrder.map((id) => s.tasks[id]!).map((t) => ({ taskId: t.taskId, title: t.title, status: t.status, files: [...t.files] })),
    patches: Object.values(s.patches).map((p) => ({ patchId: p.patchId, taskId: p.taskId, round: p.round, status: p.status, files: [...p.files], provider: p.provider, model: p.model })),
    error: s.error ?? null,
    lastSeq: s.lastSeq,
    links: runLinks(s.runId),
  };
}
