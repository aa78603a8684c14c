// The orchestrator's side of team workers (`run --redis URL --remote-calls`): a ModelClient that
// publishes each call as a job and streams back what a worker writes to the call's results stream.
// The orchestrator still reserves the budget before the call (the cost governor, around every call),
// still applies provider limits (its limiter schedules the call), and stays the single writer of the
// run's log: workers only ever write to Redis.
import { randomUUID } from 'node:crypto';
import { ModelError, type ModelClient, type ModelDelta, type ModelErrorKind, type ModelRequest, type ProviderId, type Unsettled } from '../core/ports/model';
import type { TeamClient } from './redisConnection';
import { decodeEntry, encodeJob, ensureGroup, JOBS_STREAM, jobRequest, needsPublishing, resultsKey, streamMessages, withdrawJob, type ResultEntry } from './jobsQueue';

/** How long a call waits with no word from any worker (queued behind others included) before failing. */
export const DEFAULT_REMOTE_WAIT_MS = 10 * 60_000;

const ERROR_KINDS: ReadonlySet<string> = new Set(['config', 'auth', 'bad_request', 'rate_limit', 'server', 'timeout', 'stall', 'cut_stream', 'malformed', 'circuit_open', 'aborted', 'budget']);

export interface RemoteOptions {
  readonly waitMs?: number;
}

export class RemoteModelClient implements ModelClient {
  constructor(
    readonly provider: ProviderId,
    private readonly client: TeamClient,
    private readonly options: RemoteOptions = {},
  ) {}

  async *stream(request: ModelRequest): AsyncIterable<ModelDelta> {
    const callKey = request.callKey ?? `adhoc/${randomUUID()}`;
    const key = resultsKey(callKey);
    const waitMs = this.options.waitMs ?? DEFAULT_REMOTE_WAIT_MS;
    const encoded = encodeJob({ kind: 'model', callKey, attempt: 0, provider: this.provider, model: request.model, request: jobRequest(request) });
    // a results stream already there (a resumed run) means the job was published: its result is used, never paid again
    // (unless the run withdrew it when it was cancelled: then it is published again)
    if (await needsPublishing(this.client, callKey)) {
      await ensureGroup(this.client);
      await this.client.xAdd(JOBS_STREAM, '*', { job: encoded });
    }
    const reader = this.client.duplicate();
    reader.on('error', () => undefined);
    await reader.connect();
    let last = '0-0';
    let delivery: string | undefined;
    let base = 0;
    let maxAttempt = 0;
    let streamed = false;
    // deliveries that ended with no answer (their worker died or lost its lease, or the run stopped
    // waiting): each may have sent its request, so each is booked at the call's worst case, as a
    // call cut off on this machine is
    let lost = 0;
    const cutOff = (extra: number) => settle(undefined, lost + extra);
    let heardAt = Date.now();
    try {
      for (;;) {
        if (request.signal?.aborted) throw new ModelError('aborted', 'the call was cancelled', { provider: this.provider, model: request.model, ...cutOff(delivery ? 1 : 0) });
        let entries: ResultEntry[] = [];
        try {
          const reply = await reader.xRead({ key, id: last }, { BLOCK: 1_000, COUNT: 200 });
          const messages = streamMessages(reply);
          if (messages.length) last = messages[messages.length - 1]!.id;
          entries = messages.map((m) => decodeEntry(m.message.entry));
        } catch (err) {
          if (err instanceof ModelError) throw err;
          if ((err as Error).name === 'JobError') throw new ModelError('malformed', `a worker's answer to ${callKey}: ${(err as Error).message}`, { provider: this.provider, model: request.model });
          await new Promise((r) => setTimeout(r, 250)); // Redis away: the reader reconnects; the wait below bounds it
        }
        if (entries.length) heardAt = Date.now();
        else if (Date.now() - heardAt > waitMs)
          throw new ModelError('timeout', `no team worker answered call ${callKey} for ${Math.round(waitMs / 1000)} s: is \`codecompanion worker --redis URL\` running with a key for ${this.provider}?`, { provider: this.provider, model: request.model, ...cutOff(delivery ? 1 : 0) });
        for (const e of entries) {
          if (e.type === 'done') {
            yield { type: 'done', result: { ...e.result, ...settle(e.result.unsettled, lost) } };
            return;
          }
          if (e.type === 'error') {
            const kind = (ERROR_KINDS.has(e.kind) ? e.kind : 'server') as ModelErrorKind;
            throw new ModelError(kind, `on a team worker: ${e.message}`, { provider: this.provider, model: request.model, ...(e.details ?? {}), ...settle(e.details?.unsettled, lost) });
          }
          if (e.type === 'claimed') {
            // a new delivery (the last worker died or lost its lease): what it streamed is void
            if (streamed) yield { type: 'superseded', attempt: maxAttempt, reason: `worker ${e.worker} took the call over` };
            if (delivery !== undefined) lost++;
            delivery = e.delivery;
            base = maxAttempt;
            streamed = false;
            continue;
          }
          if (e.type === 'report') throw new ModelError('malformed', `a worker answered call ${callKey} with a check report`, { provider: this.provider, model: request.model });
          if (e.delivery !== delivery || e.type === 'beat') continue; // a stale delivery's late words, or a sign of life
          const attempt = base + e.attempt;
          maxAttempt = Math.max(maxAttempt, attempt);
          streamed = true;
          if (e.type === 'text') yield { type: 'text', text: e.text, attempt };
          else if (e.type === 'tool_call') yield { type: 'tool_call', call: e.call, attempt };
          else yield { type: 'superseded', attempt, reason: e.reason };
        }
      }
    } finally {
      // the run stopped waiting (cancelled): the worker running the call stops at its next renewal
      if (request.signal?.aborted) await withdrawJob(this.client, callKey);
      await reader.destroy();
    }
  }
}

/** A worker's own unsettled attempts plus `lost` deliveries, none of whose cost was reported. */
function settle(reported: Unsettled | undefined, lost: number): { unsettled?: Unsettled } {
  const attempts = (reported?.attempts ?? 0) + lost;
  return attempts > 0 ? { unsettled: { attempts, reportedCostUsd: reported?.reportedCostUsd ?? 0 } } : {};
}

/** Model clients that send every call to the team's workers instead of using this machine's keys. */
export function remoteClients(client: TeamClient, options: RemoteOptions = {}): (provider: ProviderId) => ModelClient {
  const clients = new Map<ProviderId, RemoteModelClient>();
  return (p) => {
    if (!clients.has(p)) clients.set(p, new RemoteModelClient(p, client, options));
    return clients.get(p)!;
  };
}
