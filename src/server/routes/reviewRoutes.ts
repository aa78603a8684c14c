// The review over HTTP, through the same ReviewService as `codecompanion review` and the editor:
// list what is pending, decide a hunk or a whole patch, roll a run back. A hunk named by its id is an
// explicit decision (a sensitive file may change); a whole patch's accept leaves sensitive files
// pending and says so, as the editor's Accept All does.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { gateAccept } from '../../app/review/sensitiveReview';
import { ReviewError, type DecisionOutcome } from '../../app/review/reviewService';
import { runReviewView } from '../../app/review/reviewView';
import type { WorkspaceReview } from '../../app/review/workspaceReview';
import { activeReviews, busyHunks } from '../../core/review/reviewProjection';
import { allHunks } from '../../core/review/reviewTypes';
import { ApiError, ErrorBodySchema } from '../apiErrors';
import { DecisionSchema, HunkIdParam, PatchParams, RejectBody, ReviewListSchema, RollbackSchema, RunIdParam, RunReviewSchema } from '../apiSchemas';

const STATUS: Record<ReviewError['code'], number> = { not_found: 404, not_pending: 409, ambiguous: 400, nothing_applied: 409 };

export function registerReviewRoutes(app: FastifyInstance, deps: { review: WorkspaceReview }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const errors = { 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema };
  const guarded = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ReviewError) throw new ApiError(STATUS[err.code], err.code, err.message);
      throw err;
    }
  };

  api.get('/reviews', { schema: { summary: 'Every run with hunks pending review (or a write under way), newest first', response: { 200: ReviewListSchema } } }, async () => {
    const book = await deps.review.service({ explicit: false }).load();
    return { reviews: activeReviews(book).map(runReviewView) };
  });

  api.get('/runs/:id/review', { schema: { summary: "A run's review: its patches' hunks with ids, files, line ranges and decisions (a finished run's accepted patches are proposed first)", params: RunIdParam, response: { 200: RunReviewSchema, ...errors } } }, async (request) => {
    const runId = request.params.id;
    const service = deps.review.service({ explicit: false });
    if (!(await deps.review.proposeIfNew(service, runId))) throw new ApiError(404, 'no_such_run', `there is no run ${runId} in this workspace`);
    const run = (await service.load([runId])).runs[runId];
    if (!run) throw new ApiError(404, 'no_review', `run ${runId} has nothing in review (it proposed no patch, or applied its patches itself)`);
    return runReviewView(run);
  });

  api.post('/review/hunks/:id/accept', { schema: { summary: 'Accept one hunk by its id (URL-encoded): the file changes through the patch engine, the decision is an event', params: HunkIdParam, response: { 200: DecisionSchema, ...errors } } }, async (request) =>
    guarded(async () => decision(await deps.review.service({ explicit: true }).accept([request.params.id]))),
  );

  api.post('/review/hunks/:id/reject', { schema: { summary: 'Reject one hunk by its id, with an optional reason (the coder gets it on a revision)', params: HunkIdParam, body: RejectBody, response: { 200: DecisionSchema, ...errors } } }, async (request) =>
    guarded(async () => decision(await deps.review.service({ explicit: true }).reject([request.params.id], request.body?.reason))),
  );

  api.post('/runs/:id/patches/:patchId/accept', { schema: { summary: "Accept every pending hunk of a patch; a sensitive file's hunks stay pending (accept them by hunk id)", params: PatchParams, response: { 200: DecisionSchema, ...errors } } }, async (request) =>
    guarded(async () => {
      const service = deps.review.service({ explicit: false });
      const refs = await patchRefs(service, request.params.id, request.params.patchId);
      const gate = await gateAccept(deps.review.root, refs, deps.review.sensitivePaths);
      const out = gate.refs.length ? await service.accept(gate.refs.map((r) => r.hunk.id)) : { applied: 0, rejected: 0, conflicts: [] };
      return { ...decision(out), held: gate.held.map((h) => ({ path: h.path, rule: h.rule })), refused: gate.refused.map((r) => ({ path: r.path, reason: r.reason })) };
    }),
  );

  api.post('/runs/:id/patches/:patchId/reject', { schema: { summary: 'Reject every pending hunk of a patch, with an optional reason', params: PatchParams, body: RejectBody, response: { 200: DecisionSchema, ...errors } } }, async (request) =>
    guarded(async () => {
      const service = deps.review.service({ explicit: false });
      const refs = await patchRefs(service, request.params.id, request.params.patchId);
      return decision(await service.reject(refs.map((r) => r.hunk.id), request.body?.reason));
    }),
  );

  api.post('/runs/:id/rollback', { schema: { summary: "Take back what the run's accepted hunks changed; lines edited since are kept and named as conflicts", params: RunIdParam, response: { 200: RollbackSchema, ...errors } } }, async (request) =>
    guarded(async () => {
      // naming the run is explicit, as `codecompanion review rollback RUN_ID` is: a sensitive file accepted by name goes back too
      const out = await deps.review.service({ explicit: true }).rollback(request.params.id);
      return { reverted: out.reverted, conflicts: out.conflicts.map((c) => ({ hunkId: c.hunkId, path: c.path, reason: c.reason })) };
    }),
  );
}

async function patchRefs(service: ReturnType<WorkspaceReview['service']>, runId: string, patchId: string) {
  const run = (await service.load([runId])).runs[runId];
  if (!run) throw new ApiError(404, 'no_review', `run ${runId} has nothing in review`);
  const patch = run.patches.find((p) => p.patchId === patchId);
  if (!patch) throw new ApiError(404, 'no_such_patch', `run ${runId} has no patch ${patchId} in review (GET /runs/${runId}/review lists them)`);
  const busy = busyHunks(run);
  const refs = allHunks({ ...run, patches: [patch] }).filter(({ hunk }) => hunk.decision === 'pending' && !busy.has(hunk.id));
  if (refs.length === 0) throw new ApiError(409, 'not_pending', `patch ${patchId} of run ${runId} has no hunk pending`);
  return refs;
}

function decision(out: DecisionOutcome) {
  return { applied: out.applied, rejected: out.rejected, conflicts: out.conflicts.map((c) => ({ hunkId: c.hunkId, reason: c.reason })), held: [], refused: [] };
}
