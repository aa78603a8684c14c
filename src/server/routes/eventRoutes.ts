// GET /runs/:id/events: JSON pages by sequence number, or (Accept: text/event-stream) a live SSE
// stream whose `id:` is the event's sequence number, so a client cut off reconnects with
// Last-Event-ID and continues with no gap and no duplicate. Comment lines keep idle connections alive.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { WorkspaceStore } from '../../app/workspaceStore';
import { ApiError, ErrorBodySchema } from '../apiErrors';
import { EventsPageSchema, EventsQuery, RunIdParam } from '../apiSchemas';
import { runEventFeed } from '../runEventFeed';
import type { RunService } from '../runService';
import type { TeamClient } from '../../team/redisConnection';
import { followRun } from '../../team/runFollower';
import { runStreamKey, TERMINAL_TYPES } from '../../team/teamStreams';
import type { FeedItem } from '../runEventFeed';

async function* teamFeed(client: TeamClient, runId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<FeedItem> {
  for await (const e of followRun(client, runId, { afterSeq, signal })) {
    yield { kind: 'event', event: { ...e, globalSeq: 0 } };
    if (TERMINAL_TYPES.has(e.type)) yield { kind: 'end' };
  }
}

export function registerEventRoutes(app: FastifyInstance, deps: { store: WorkspaceStore; runs: RunService; heartbeatMs: number; pollMs: number; team?: TeamClient }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/runs/:id/events',
    {
      schema: {
        summary: "A run's events after a sequence number, as JSON pages, or live as Server-Sent Events with Accept: text/event-stream (resumable with Last-Event-ID)",
        params: RunIdParam,
        querystring: EventsQuery,
        response: { 200: EventsPageSchema, 400: ErrorBodySchema, 404: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const runId = request.params.id;
      const { store } = await deps.store.read();
      const known = (await store.readRun(runId, 1)).length > 0 || deps.runs.activeRunId === runId;
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
      const closed = new AbortController();
      request.raw.on('close', () => closed.abort());
      res.on('close', () => closed.abort());
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), deps.heartbeatMs);
      try {
        const feed = remote ? teamFeed(deps.team!, runId, resumeFrom, closed.signal) : runEventFeed(deps.store, deps.runs, runId, { afterSeq: resumeFrom, signal: closed.signal, pollMs: deps.pollMs });
        for await (const item of feed) {
          if (item.kind === 'end') {
            res.write('event: end\ndata: {}\n\n');
            break;
          }
          const e = item.event;
          const ok = res.write(`id: ${e.seq}\ndata: ${JSON.stringify({ runId: e.runId, seq: e.seq, ts: e.ts, type: e.type, data: e.data })}\n\n`);
          if (!ok && !closed.signal.aborted) await new Promise<void>((resolve) => { res.once('drain', resolve); closed.signal.addEventListener('abort', () => resolve(), { once: true }); });
        }
      } catch {
        // the log could not be read any more (the server is closing): the client reconnects with Last-Event-ID
      } finally {
        clearInterval(heartbeat);
        res.end();
      }
    },
  );
}
