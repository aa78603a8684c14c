// GET /runs/:id/events: JSON pages by sequence number, or (Accept: text/event-stream) a live SSE
// stream whose `id:` is the event's sequence number, so a client cut off reconnects with
// Last-Event-ID and continues with no gap and no duplicate. A run of this workspace streams through
// its shared fan-out (../runFanout.ts: the run's events, then its review's, until `event: end`); a
// run started on another machine of the team is followed from Redis. Comment lines keep idle
// connections alive.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { WorkspaceStore } from '../../app/workspaceStore';
import { ApiError, ErrorBodySchema } from '../apiErrors';
import { EventsPageSchema, EventsQuery, RunIdParam } from '../apiSchemas';
import { frameOf, type RunFanouts } from '../runFanout';
import type { RunService } from '../runService';
import type { TeamClient } from '../../team/redisConnection';
import { followRun } from '../../team/runFollower';
import { runStreamKey, TERMINAL_TYPES } from '../../team/teamStreams';

export function registerEventRoutes(app: FastifyInstance, deps: { store: WorkspaceStore; runs: RunService; fanouts: RunFanouts; heartbeatMs: number; team?: TeamClient }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  // a review decision through this server reaches the streams at once, not at their next poll
  app.addHook('onResponse', async (request, reply) => {
    if (request.method === 'POST' && reply.statusCode < 300 && /^\/(review\/|runs\/[^/]+\/(rollback|patches\/))/.test(request.url)) deps.fanouts.poke();
  });
  api.get(
    '/runs/:id/events',
    {
      schema: {
        summary: "A run's events after a sequence number, as JSON pages, or live as Server-Sent Events with Accept: text/event-stream (resumable with Last-Event-ID; review events follow the run's until nothing is pending)",
        params: RunIdParam,
        querystring: EventsQuery,
        response: { 200: EventsPageSchema, 400: ErrorBodySchema, 404: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const runId = request.params.id;
      const { store } = await deps.store.read();
      const known = store.runSummary(runId) !== undefined || deps.runs.activeRunId === runId;
      const sse = /\btext\/event-stream\b/.test(request.headers.accept ?? '');
      // a run started on another machine of the team is followed from Redis (live events only)
      const remote = !known && sse && deps.team !== undefined && (await deps.team.exists(runStreamKey(runId))) > 0;
      if (!known && !remote) throw new ApiError(404, 'no_such_run', `there is no run ${runId} in this workspace${deps.team ? " or in the team's Redis" : ''}`);
      if (!sse) {
        const { after, limit } = request.query;
        const events = (await store.readRun(runId, after + 1)).slice(0, limit);
        const last = events[events.length - 1];
        const more = last !== undefined && (await store.readRun(runId, last.seq + 1)).length > 0;
        return { runId, events: events.map((e) => ({ seq: e.seq, ts: e.ts, type: e.type, data: e.data })), next: more ? last.seq : null };
      }
      const lastEventId = request.headers['last-event-id'];
      const resumeFrom = lastEventId === undefined ? request.query.after : Number(lastEventId);
      if (!Number.isInteger(resumeFrom) || resumeFrom < 0) throw new ApiError(400, 'bad_last_event_id', 'Last-Event-ID must be the sequence number of the last event received');
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no', 'x-content-type-options': 'nosniff' });
      res.write(': codecompanion run events\nretry: 2000\n\n');
      if (remote) return followFromTeam(deps.team!, runId, resumeFrom, res, deps.heartbeatMs);
      deps.fanouts.join(runId, res, resumeFrom);
    },
  );
}

/** One subscriber of a run started elsewhere in the team, from Redis, until the run's terminal event. */
async function followFromTeam(client: TeamClient, runId: string, afterSeq: number, res: ServerResponse, heartbeatMs: number): Promise<void> {
  const closed = new AbortController();
  res.on('close', () => closed.abort());
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
  try {
    for await (const e of followRun(client, runId, { afterSeq, signal: closed.signal })) {
      const ok = res.write(frameOf({ ...e, globalSeq: 0 }).bytes);
      if (TERMINAL_TYPES.has(e.type)) {
        res.write('event: end\ndata: {}\n\n');
        break;
      }
      if (!ok && !closed.signal.aborted) await new Promise<void>((resolve) => { res.once('drain', resolve); closed.signal.addEventListener('abort', () => resolve(), { once: true }); });
    }
  } catch {
    // Redis went away for good (the server is closing): the client reconnects with Last-Event-ID
  } finally {
    clearInterval(heartbeat);
    res.end();
  }
}
