// `codecompanion worker`: takes agent-call jobs from the team's Redis (XREADGROUP in group `workers`),
// runs them on this machine's own provider keys, writes the deltas and the final result to the call's
// results stream and XACKs the job only once that result is stored. While it works it renews its lease
// every third of it (XCLAIM of its own entry and the call's claim key); a job whose worker stopped
// renewing (kill -9, a lost machine) is taken over with XAUTOCLAIM once idle past the lease.
//
// Idempotent by call: a job whose results stream already ends in a result is acknowledged and not run
// again, and a call is run by one delivery at a time (the claim key, SET NX with the lease as expiry),
// so a redelivered or republished job is never billed twice.
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import { ModelError, type ModelClient, type ProviderId } from '../core/ports/model';
import type { TeamClient } from './redisConnection';
import { decodeEntry, decodeJob, DEFAULT_LEASE_MS, deltaEntry, encodeEntry, ensureGroup, isTerminal, JOBS_STREAM, resultsKey, RESULTS_TTL_S, streamMessages, WORKERS_GROUP, type ModelJob, type ResultEntry } from './jobsQueue';
import { STREAM_PREFIX } from './teamStreams';

export const claimKey = (callKey: string) => `${STREAM_PREFIX}:claim:${callKey}`;

export interface WorkerOptions {
  readonly models: (provider: ProviderId) => ModelClient | undefined;
  readonly concurrency: number;
  readonly leaseMs?: number;
  readonly name?: string;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

interface InFlight {
  readonly callKey: string;
  readonly delivery: string;
  readonly abort: AbortController;
}

export async function runWorker(client: TeamClient, options: WorkerOptions): Promise<void> {
  const lease = options.leaseMs ?? DEFAULT_LEASE_MS;
  const consumer = options.name ?? `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`;
  const inFlight = new Map<string, InFlight>();
  const running = new Set<Promise<void>>();
  await ensureGroup(client);
  const reader = client.duplicate(); // XREADGROUP BLOCK holds its connection
  reader.on('error', () => undefined);
  await reader.connect();
  options.log(`worker ${consumer}: taking jobs from ${JOBS_STREAM} (group ${WORKERS_GROUP}), ${options.concurrency} at a time, lease ${lease} ms`);

  const renew = setInterval(() => {
    for (const [id, job] of inFlight) void renewLease(client, id, job, consumer, lease, options.log);
  }, Math.max(100, Math.floor(lease / 3)));

  const start = (id: string, fields: Record<string, string>, reclaimed: boolean) => {
    const p = handle(id, fields, reclaimed).catch((err: Error) => options.log(`job ${id}: ${err.message.split('\n')[0]} (left pending: retried after the lease)`)).finally(() => running.delete(p));
    running.add(p);
  };

  const handle = async (id: string, fields: Record<string, string>, reclaimed: boolean): Promise<void> => {
    let job: ModelJob;
    try {
      job = decodeJob(fields.job ?? '');
    } catch (err) {
      options.log(`job ${id} refused: ${(err as Error).message}`);
      const callKey = callKeyOf(fields.job);
      if (callKey) await writeEntry(client, callKey, { type: 'error', delivery: 'refused', kind: 'bad_request', message: `worker ${consumer} refused the job: ${(err as Error).message}` }).catch(() => undefined);
      await client.xAck(JOBS_STREAM, WORKERS_GROUP, id);
      return;
    }
    const key = resultsKey(job.callKey);
    const lastEntry = streamMessages([{ messages: await client.xRevRange(key, '+', '-', { COUNT: 1 }) }])[0];
    if (lastEntry && isTerminal(decodeEntry(lastEntry.message.entry))) {
      options.log(`${job.callKey}: already answered, acknowledged without running it again`);
      await client.xAck(JOBS_STREAM, WORKERS_GROUP, id);
      return;
    }
    const delivery = `${consumer}/${randomUUID().slice(0, 8)}`;
    const claimed = await client.set(claimKey(job.callKey), delivery, { condition: 'NX', expiration: { type: 'PX', value: lease } });
    if (claimed === null) return; // another delivery runs this call now: left pending, looked at again after the lease
    const abort = new AbortController();
    const onStop = () => abort.abort(new Error('the worker is stopping'));
    inFlight.set(id, { callKey: job.callKey, delivery, abort });
    options.signal.addEventListener('abort', onStop, { once: true });
    options.log(`${job.callKey}: ${reclaimed ? 'taken over from a worker that stopped renewing its lease' : 'taken'} (${job.provider}/${job.model})`);
    try {
      await writeEntry(client, job.callKey, { type: 'claimed', worker: consumer, delivery });
      const outcome = await runModelJob(job, options.models, delivery, abort.signal, (e) => writeEntry(client, job.callKey, e));
      if (abort.signal.aborted) return; // lease lost or stopping: no result written, the job stays pending for another worker
      await writeEntry(client, job.callKey, outcome);
      // acknowledged only now that the result is stored: a crash before this line means redelivery, and the stored result is found
      await client.xAck(JOBS_STREAM, WORKERS_GROUP, id);
      options.log(`${job.callKey}: ${outcome.type === 'done' ? 'done' : `failed (${outcome.type === 'error' ? outcome.kind : ''})`}`);
    } finally {
      options.signal.removeEventListener('abort', onStop);
      inFlight.delete(id);
      if ((await client.get(claimKey(job.callKey)).catch(() => null)) === delivery) await client.del(claimKey(job.callKey)).catch(() => undefined);
    }
  };

  try {
    let cursor = '0-0';
    while (!options.signal.aborted) {
      const free = options.concurrency - running.size;
      if (free <= 0) {
        await Promise.race([...running, new Promise((r) => setTimeout(r, 1_000))]);
        continue;
      }
      try {
        // jobs of workers that stopped renewing their lease first
        const claimed = await client.xAutoClaim(JOBS_STREAM, WORKERS_GROUP, consumer, lease, cursor, { COUNT: free });
        cursor = String(claimed.nextId);
        const taken = claimed.messages.filter((m): m is NonNullable<typeof m> => m !== null);
        for (const m of taken) if (!inFlight.has(String(m.id))) start(String(m.id), toRecord(m.message), true);
        if (taken.length >= free) continue;
        const reply = await reader.xReadGroup(WORKERS_GROUP, consumer, { key: JOBS_STREAM, id: '>' }, { COUNT: free - taken.length, BLOCK: 1_000 });
        for (const m of streamMessages(reply)) start(m.id, m.message, false);
      } catch (err) {
        if (options.signal.aborted) break;
        options.log(`team Redis: ${(err as Error).message.split('\n')[0]}: retrying`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    // calls under way were aborted with the signal: unacknowledged, another worker takes them after the lease
    await Promise.allSettled([...running]);
  } finally {
    clearInterval(renew);
    reader.destroy();
  }
}

/** Runs one model job on this worker's own client, writing each delta; resolves to the terminal entry. */
async function runModelJob(job: ModelJob, models: (p: ProviderId) => ModelClient | undefined, delivery: string, signal: AbortSignal, write: (e: ResultEntry) => Promise<void>): Promise<ResultEntry> {
  const client = models(job.provider);
  if (!client) return { type: 'error', delivery, kind: 'config', message: `this worker has no key for ${job.provider}: set it in the worker's environment` };
  try {
    for await (const delta of client.stream({ ...job.request, signal })) {
      const entry = deltaEntry(delta, delivery);
      if (entry.type === 'done') return entry;
      await write(entry);
    }
    return { type: 'error', delivery, kind: 'cut_stream', message: `${job.provider} stream ended without a result` };
  } catch (err) {
    if (err instanceof ModelError) {
      const d = err.details;
      return { type: 'error', delivery, kind: err.kind, message: err.message, details: { ...(d.usage ? { usage: d.usage } : {}), ...(d.costUsd !== undefined ? { costUsd: d.costUsd } : {}), ...(d.attempts !== undefined ? { attempts: d.attempts } : {}), ...(d.status !== undefined ? { status: d.status } : {}) } };
    }
    return { type: 'error', delivery, kind: 'server', message: (err as Error).message };
  }
}

async function renewLease(client: TeamClient, id: string, job: InFlight, consumer: string, lease: number, log: (line: string) => void): Promise<void> {
  try {
    const holder = await client.get(claimKey(job.callKey));
    if (holder !== job.delivery) {
      log(`${job.callKey}: lease lost (this worker was too slow to renew it): stopping the call, another worker has it`);
      job.abort.abort(new Error('lease lost'));
      return;
    }
    await client.pExpire(claimKey(job.callKey), lease);
    await client.xClaimJustId(JOBS_STREAM, WORKERS_GROUP, consumer, 0, id); // resets the entry's idle time
    await writeEntry(client, job.callKey, { type: 'beat', delivery: job.delivery });
  } catch {
    // Redis away for a moment: the next renewal tries again
  }
}

async function writeEntry(client: TeamClient, callKey: string, entry: ResultEntry): Promise<void> {
  const key = resultsKey(callKey);
  await client.xAdd(key, '*', { entry: encodeEntry(entry) });
  await client.expire(key, RESULTS_TTL_S);
}

function callKeyOf(text: string | undefined): string | undefined {
  try {
    const key = (JSON.parse(text ?? '') as { callKey?: unknown }).callKey;
    return typeof key === 'string' && /^[\w.:/-]{1,300}$/.test(key) ? key : undefined;
  } catch {
    return undefined;
  }
}

function toRecord(message: unknown): Record<string, string> {
  return message instanceof Map ? (Object.fromEntries(message) as Record<string, string>) : (message as Record<string, string>);
}
