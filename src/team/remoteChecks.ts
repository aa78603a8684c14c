// The orchestrator's side of check jobs (`run --redis URL --remote-checks`): the staged workspace with
// the candidate patch on top is packed (src/team/checkJobs.ts) and published on the checks stream;
// a worker started with --allow-check runs it in its sandbox and writes a TestReport to the check's
// results stream. The run stays the single writer of its log: the report is booked here, once.
// A team with no live worker taking checks gets a clear error, at publication or while waiting.
import type { TestReport } from '../core/artifacts/schemas';
import type { CheckRunner } from '../core/orchestrator/checkCommand';
import type { TeamClient } from './redisConnection';
import { encodeCheckJob, packWorkspace } from './checkJobs';
import { CHECKS_STREAM, decodeEntry, ensureGroup, JobError, MAX_JOB_BYTES, needsPublishing, resultsKey, streamMessages, withdrawJob } from './jobsQueue';
import { liveWorkers } from './workerRegistry';
import { DEFAULT_REMOTE_WAIT_MS } from './remoteModels';

/** How long a published check may go on with no live worker taking checks before the run is told. */
export const NO_CHECKER_GRACE_MS = 10_000;

export interface RemoteCheckOptions {
  readonly waitMs?: number;
  readonly noCheckerGraceMs?: number;
}

export class TeamCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeamCheckError';
  }
}

const NO_CHECKER = 'no live team worker takes check jobs: start one with `codecompanion worker --redis URL --allow-check`, or run the check here (without --remote-checks)';

/** Connections that have made sure the checks stream's group exists (one XGROUP CREATE per connection, not per check). */
const grouped = new WeakSet<TeamClient>();

export function remoteChecks(client: TeamClient, options: RemoteCheckOptions = {}): CheckRunner {
  return {
    async run(view, plan, command, timeoutMs, signal, key) {
      // a results stream already there (a resumed run) means the job was published: its report is used
      // (unless the run withdrew it when it was cancelled: then it is published again)
      if (await needsPublishing(client, key)) {
        if (!(await liveWorkers(client)).some((w) => w.checks)) throw new TeamCheckError(`the check of ${key}: ${NO_CHECKER}`);
        let encoded: string;
        try {
          encoded = encodeCheckJob({ kind: 'check', callKey: key, command, timeoutMs, archive: packWorkspace(view, plan).toString('base64') });
        } catch (err) {
          if (err instanceof JobError) throw new TeamCheckError(`the check of ${key}: ${err.message}`);
          throw err;
        }
        if (Buffer.byteLength(encoded) > MAX_JOB_BYTES) throw new TeamCheckError(`the check of ${key} is past the job limit: run it here (without --remote-checks)`);
        if (!grouped.has(client)) {
          await ensureGroup(client, CHECKS_STREAM);
          grouped.add(client);
        }
        await client.xAdd(CHECKS_STREAM, '*', { job: encoded });
      }
      return await awaitReport(client, key, signal, options);
    },
  };
}

async function awaitReport(client: TeamClient, key: string, signal: AbortSignal | undefined, options: RemoteCheckOptions): Promise<TestReport> {
  const waitMs = options.waitMs ?? DEFAULT_REMOTE_WAIT_MS;
  const grace = options.noCheckerGraceMs ?? NO_CHECKER_GRACE_MS;
  const reader = client.duplicate();
  reader.on('error', () => undefined);
  await reader.connect();
  let last = '0-0';
  let heardAt = Date.now();
  let checkerSeenAt = Date.now();
  try {
    for (;;) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('the run was cancelled');
      let messages: Array<{ id: string; message: Record<string, string> }> = [];
      try {
        messages = streamMessages(await reader.xRead({ key: resultsKey(key), id: last }, { BLOCK: 1_000, COUNT: 100 }));
      } catch {
        await new Promise((r) => setTimeout(r, 250)); // Redis away: the reader reconnects; the waits below bound it
      }
      for (const m of messages) {
        last = m.id;
        heardAt = Date.now();
        let entry;
        try {
          entry = decodeEntry(m.message.entry);
        } catch (err) {
          throw new TeamCheckError(`a worker's answer to the check of ${key}: ${(err as Error).message}`);
        }
        if (entry.type === 'report') return entry.report;
        if (entry.type === 'error') throw new TeamCheckError(`the check of ${key} on a team worker: ${entry.message}`);
      }
      if (Date.now() - heardAt > waitMs) throw new TeamCheckError(`no team worker answered the check of ${key} for ${Math.round(waitMs / 1000)} s`);
      if (messages.length === 0) {
        const live = await liveWorkers(client).catch(() => undefined);
        if (live === undefined || live.some((w) => w.checks)) checkerSeenAt = Date.now();
        else if (Date.now() - checkerSeenAt > grace) throw new TeamCheckError(`the check of ${key}: ${NO_CHECKER}`);
      }
    }
  } finally {
    // the run stopped waiting (cancelled): the worker running the check stops at its next renewal
    if (signal?.aborted) await withdrawJob(client, key);
    await reader.destroy();
  }
}
