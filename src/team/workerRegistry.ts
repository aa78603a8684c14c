// Which workers are alive and what they take: each worker keeps a key of its own with the lease as
// expiry (renewed every third of it) and its name in a set. An orchestrator that publishes a check
// job asks here first, so a team with no worker started with --allow-check gets a clear error instead
// of a job nobody takes. Expiry is Redis's clock, so machines' clocks never have to agree.
import { z } from 'zod';
import type { TeamClient } from './redisConnection';
import { STREAM_PREFIX } from './teamStreams';

const WORKERS_SET = `${STREAM_PREFIX}:workers`;
const workerKey = (name: string) => `${STREAM_PREFIX}:worker:${name}`;

const WorkerInfoSchema = z.object({ name: z.string(), checks: z.boolean(), concurrency: z.number().int(), checkConcurrency: z.number().int() });
export type WorkerInfo = z.infer<typeof WorkerInfoSchema>;

export async function announceWorker(client: TeamClient, info: WorkerInfo, leaseMs: number): Promise<void> {
  await client.set(workerKey(info.name), JSON.stringify(info), { expiration: { type: 'PX', value: leaseMs } });
  await client.sAdd(WORKERS_SET, info.name);
}

export async function retireWorker(client: TeamClient, name: string): Promise<void> {
  await client.del(workerKey(name));
  await client.sRem(WORKERS_SET, name);
}

/** The workers whose key has not expired; names left by dead workers are dropped from the set. */
export async function liveWorkers(client: TeamClient): Promise<WorkerInfo[]> {
  const names = await client.sMembers(WORKERS_SET);
  if (names.length === 0) return [];
  const values = await client.mGet(names.map(workerKey));
  const live: WorkerInfo[] = [];
  const dead: string[] = [];
  values.forEach((v, i) => {
    const parsed = v ? WorkerInfoSchema.safeParse(safeJson(v)) : undefined;
    if (parsed?.success) live.push(parsed.data);
    else dead.push(names[i]!);
  });
  if (dead.length) await client.sRem(WORKERS_SET, dead);
  return live;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
