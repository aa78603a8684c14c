// `codecompanion worker`: takes agent-call jobs from the team's Redis (XREADGROUP in group `workers`),
// runs them on this machine's own provider keys, writes the deltas and the final result to the call's
// results stream and XACKs the job only once that result is stored. Started with --allow-check it also
// reads the checks stream and runs check jobs (model-written tests) in its sandbox; without it, it never
// reads that stream and says so, and the registry (src/team/workerRegistry.ts) tells orchestrators. While it works it renews its lease
// every third of it (XCLAIM of its own entry and the call's claim key); a job whose worker stopped
// renewing (kill -9, a lost machine) is taken over with XAUTOCLAIM once idle past the lease.
//
// Idempotent by call: a job whose results stream already ends in a result is acknowledged and not run
// again, and a call is run by one delivery at a time (the claim key, SET NX with the lease as expiry),
// so a redelivered or republished job is never billed twice.
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import type { ModelClient, ProviderId } from '../core/ports/model';
import type { TeamClient } from './redisConnection';
import { decodeCheckJob, type CheckJob } from './checkJobs';
import { cancelKey, CHECKS_STREAM, decodeEntry, decodeJob, DEFAULT_LEASE_MS, encodeEntry, ensureGroup, isTerminal, JOBS_STREAM, resultsKey, RESULTS_TTL_S, streamMessages, WORKERS_GROUP, type ModelJob, type ResultEntry } from './jobsQueue';
import { STREAM_PREFIX } from './teamStreams';
import { runCheckJob, runModelJob, type CheckSetup } from './workerJobs';
import { announceWorker, retireWorker } from './workerRegistry';

export const claimKey = (callKey: string) => `${STREAM_PREFIX}:claim:${callKey}`;

export interface WorkerOptions {
  readonly models: (provider: ProviderId) => ModelClient | undefined;
  readonly concurrency: number;
  /** Check jobs taken with --allow-check; undefined: this worker refuses them (never reads their stream). */
  readonly checks?: CheckSetup & { readonly concurrency: number };
  readonly leaseMs?: number;
  readonly name?: string;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

interface InFlight {
  /** Set when the job's run withdrew it: the job is acknowledged without a result. */
  cancelled: boolean;
  readonly stream: string;
  readonly callKey: string;
  readonly delivery: string;
  readonly abort: AbortController;
}

type AnyJob = { readonly stream: string; readonly job: ModelJob | CheckJob };

export async function runWorker(client: TeamClient, options: WorkerOptions): Promise<void> {
  const lease = options.leaseMs ?? DEFAULT_LEASE_MS;
  const consumer = options.name ?? `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`;
  const inFlight = new Map<string, InFlight>();
  const checks = options.checks;
  const info = { name: consumer, checks: checks !== undefined, concurrency: options.concurrency, checkConcurrency: checks?.concurrency ?? 0 };
  await ensureGroup(client);
  if (checks) await ensureGroup(client, CHECKS_STREAM);
  await announceWorker(client, info, lease);
  options.log(`worker ${consumer}: taking jobs from ${JOBS_STREAM} (group ${WORKERS_GROUP}), ${options.concurrency} at a time, lease ${lease} ms`);
  options.log(checks ? `worker ${consumer}: taking check jobs from ${CHECKS_STREAM}, ${checks.concurrency} at a time (--allow-check)` : `worker ${consumer}: refusing check jobs: started without --allow-check, it never runs model-written check commands`);

  const renew = setInterval(() => {
    void announceWorker(client, info, lease).catch(() => undefined);
    for (const [id, job] of inFlight) void renewLease(client, id, job, consumer, lease, options.log);
  }, Math.max(100, Math.floor(lease / 3)));

  const decode = (stream: string, text: string): AnyJob => ({ stream, job: stream === CHECKS_STREAM ? decodeCheckJob(text) : decodeJob(text) });

  const handle = async (stream: string, id: string, fields: Record<string, string>, reclaimed: boolean): Promise<void> => {
    let taken: AnyJob;
    try {
      taken = decode(stream, fields.job ?? '');
    } catch (err) {
      options.log(`job ${id} refused: ${(err as Error).message}`);
      const callKey = callKeyOf(fields.job);
      if (callKey) await writeEntry(client, callKey, { type: 'error', delivery: 'refused', kind: 'bad_request', message: `worker ${consumer} refused the job: ${(err as Error).message}` }).catch(() => undefined);
      await client.xAck(stream, WORKERS_GROUP, id);
      return;
    }
    const { job } = taken;
    const key = resultsKey(job.callKey);
    const lastEntry = streamMessages([{ messages: await client.xRevRange(key, '+', '-', { COUNT: 1 }) }])[0];
    if (lastEntry && isTerminal(decodeEntry(lastEntry.message.entry))) {
      options.log(`${job.callKey}: already answered, acknowledged without running it again`);
      await client.xAck(stream, WORKERS_GROUP, id);
      return;
    }
    const delivery = `${consumer}/${randomUUID().slice(0, 8)}`;
    const claimed = await client.set(claimKey(job.callKey), delivery, { condition: 'NX', expiration: { type: 'PX', value: lease } });
    if (claimed === null) return; // another delivery runs this job now: left pending, looked at again after the lease
    if (await client.exists(cancelKey(job.callKey))) {
      options.log(`${job.callKey}: withdrawn by its run (cancelled): acknowledged without running it`);
      await client.xAck(stream, WORKERS_GROUP, id);
      await client.del(claimKey(job.callKey));
      return;
    }
    const abort = new AbortController();
    const onStop = () => abort.abort(new Error('the worker is stopping'));
    const flight: InFlight = { cancelled: false, stream, callKey: job.callKey, delivery, abort };
    let released = false;
    inFlight.set(id, flight);
    options.signal.addEventListener('abort', onStop, { once: true });
    const what = job.kind === 'model' ? `${job.provider}/${job.model}` : `check \`${job.command.slice(0, 80)}\``;
    options.log(`${job.callKey}: ${reclaimed ? 'taken over from a worker that stopped renewing its lease' : 'taken'} (${what})`);
    try {
      await writeEntry(client, job.callKey, { type: 'claimed', worker: consumer, delivery });
      const outcome = job.kind === 'model' ? await runModelJob(job, options.models, delivery, abort.signal, (e) => writeEntry(client, job.callKey, e)) : await runCheckJob(job, checks!, delivery, abort.signal);
      if (flight.cancelled) {
        await client.xAck(stream, WORKERS_GROUP, id);
        options.log(`${job.callKey}: withdrawn by its run (cancelled): stopped, acknowledged without a result`);
        return;
      }
      if (abort.signal.aborted) return; // lease lost or stopping: no result written, the job stays pending for another worker
      await writeEntry(client, job.callKey, outcome);
      // acknowledged only now that the result is stored: a crash before this line means redelivery, and the stored result is found;
      // the claim goes back in the same round trip
      released = true;
      await Promise.all([client.xAck(stream, WORKERS_GROUP, id), releaseClaim(client, job.callKey, delivery)]);
      options.log(`${job.callKey}: ${outcome.type === 'done' ? 'done' : outcome.type === 'report' ? `check ${outcome.report.passed ? 'passed' : 'failed'}` : `failed (${outcome.type === 'error' ? outcome.kind : ''})`}`);
    } finally {
      options.signal.removeEventListener('abort', onStop);
      inFlight.delete(id);
      if (!released) await releaseClaim(client, job.callKey, delivery);
    }
  };

  // an idle worker looks for jobs past their lease at least four times a lease: a failover waits the lease, little more
  const block = Math.min(1_000, Math.floor(lease / 4));

  /** One stream's loop: reclaim jobs idle past the lease, then read new ones, never more than `slots` at once. */
  const take = async (stream: string, slots: number): Promise<void> => {
    const running = new Set<Promise<void>>();
    const reader = client.duplicate(); // XREADGROUP BLOCK holds its connection
    reader.on('error', () => undefined);
    await reader.connect();
    const start = (id: string, fields: Record<string, string>, reclaimed: boolean) => {
      const p = handle(stream, id, fields, reclaimed)
        .catch((err: Error) => options.log(`job ${id}: ${err.message.split('\n')[0]} (left pending: retried after the lease)`))
        .finally(() => running.delete(p));
      running.add(p);
    };
    try {
      let cursor = '0-0';
      let reclaimedAt = -Infinity;
      while (!options.signal.aborted) {
        const free = slots - running.size;
        if (free <= 0) {
          await Promise.race([...running, new Promise((r) => setTimeout(r, 1_000))]);
          continue;
        }
        try {
          // jobs of workers that stopped renewing their lease first; looked for once per `block`, not before every job
          // (a job only becomes reclaimable a whole lease after its worker stopped, so this adds at most `block` to a failover)
          let taken: Array<{ id: string }> = [];
          if (performance.now() - reclaimedAt >= block || cursor !== '0-0') {
            reclaimedAt = performance.now();
            const claimed = await client.xAutoClaim(stream, WORKERS_GROUP, consumer, lease, cursor, { COUNT: free });
            cursor = String(claimed.nextId);
            taken = claimed.messages.filter((m): m is NonNullable<typeof m> => m !== null);
            for (const m of claimed.messages) if (m && !inFlight.has(String(m.id))) start(String(m.id), toRecord(m.message), true);
          }
          if (taken.length >= free) continue;
          const reply = await reader.xReadGroup(WORKERS_GROUP, consumer, { key: stream, id: '>' }, { COUNT: free - taken.length, BLOCK: block });
          for (const m of streamMessages(reply)) start(m.id, m.message, false);
        } catch (err) {
          if (options.signal.aborted) break;
          options.log(`team Redis: ${(err as Error).message.split('\n')[0]}: retrying`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      // jobs under way were aborted with the signal: unacknowledged, another worker takes them after the lease
      await Promise.allSettled([...running]);
    } finally {
      reader.destroy();
    }
  };

  try {
    await Promise.all([take(JOBS_STREAM, options.concurrency), ...(checks ? [take(CHECKS_STREAM, checks.concurrency)] : [])]);
  } finally {
    clearInterval(renew);
    await retireWorker(client, consumer).catch(() => undefined);
  }
}

async function renewLease(client: TeamClient, id: string, job: InFlight, consumer: string, lease: number, log: (line: string) => void): Promise<void> {
  try {
    if (await client.exists(cancelKey(job.callKey))) {
      job.cancelled = true;
      job.abort.abort(new Error('withdrawn by its run'));
      return;
    }
    const holder = await client.get(claimKey(job.callKey));
    if (holder !== job.delivery) {
      log(`${job.callKey}: lease lost (this worker was too slow to renew it): stopping the call, another worker has it`);
      job.abort.abort(new Error('lease lost'));
      return;
    }
    await client.pExpire(claimKey(job.callKey), lease);
    await client.xClaimJustId(job.stream, WORKERS_GROUP, consumer, 0, id); // resets the entry's idle time
    await writeEntry(client, job.callKey, { type: 'beat', delivery: job.delivery });
  } catch {
    // Redis away for a moment: the next renewal tries again
  }
}

async function writeEntry(client: TeamClient, callKey: string, entry: ResultEntry): Promise<void> {
  const key = resultsKey(callKey);
  // sent together (one round trip): the expiry only matters once the entry is there, and XADD comes first on the connection
  await Promise.all([client.xAdd(key, '*', { entry: encodeEntry(entry) }), client.expire(key, RESULTS_TTL_S)]);
}

/** Drops the job's claim if this delivery still holds it, in one step (a script: no window between the read and the delete). */
async function releaseClaim(client: TeamClient, callKey: string, delivery: string): Promise<void> {
  await client.eval(RELEASE_CLAIM, { keys: [claimKey(callKey)], arguments: [delivery] }).catch(() => undefined);
}

const RELEASE_CLAIM = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

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
