// codecompanion worker --redis URL [--concurrency N] [--lease MS]: takes the team's agent-call jobs
// from Redis and runs them on this machine's own provider keys (see src/team/worker.ts).
import { REDIS_URL_ENV, redactRedisUrl } from '../../team/redisConnection';
import { DEFAULT_LEASE_MS } from '../../team/jobsQueue';
import { runWorker } from '../../team/worker';
import { loadModels } from '../engine';
import { connectTeamOrExplain } from '../team';
import { parseCommandLine, UsageError, type CliCommand } from '../io';

const OPTIONS = { redis: { type: 'string' }, concurrency: { type: 'string' }, lease: { type: 'string' }, models: { type: 'string' }, name: { type: 'string' } } as const;

export const workerCommand: CliCommand = {
  name: 'worker',
  usage: 'worker [--redis URL] [--concurrency N] [--lease MS] [--name NAME]',
  summary: "run the team's agent calls (jobs on Redis) with this machine's own provider keys",
  async run(io) {
    const { values } = parseCommandLine(io.argv, OPTIONS);
    const url = values.redis ?? io.env[REDIS_URL_ENV];
    if (!url) throw new UsageError(`give the team's Redis with --redis URL or ${REDIS_URL_ENV}`);
    const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError('--concurrency takes a whole number from 1 to 256');
    const leaseText = values.lease ?? io.env.CODECOMPANION_WORKER_LEASE_MS;
    const leaseMs = leaseText === undefined ? DEFAULT_LEASE_MS : Number(leaseText);
    if (!Number.isInteger(leaseMs) || leaseMs < 1_000) throw new UsageError('--lease takes milliseconds, at least 1000');
    const client = await connectTeamOrExplain(url);
    let models;
    try {
      // the worker's own keys, from its own environment: they never go through Redis
      models = loadModels(io.env, values.models ? { models: values.models } : {});
    } catch (err) {
      client.destroy();
      throw err;
    }
    io.stderr.write(`worker: ${redactRedisUrl(url)}, models from ${models.source}\n`);
    try {
      await runWorker(client, { models: models.models, concurrency, leaseMs, ...(values.name ? { name: values.name } : {}), log: (line) => io.stderr.write(`${line}\n`), signal: io.signal });
      return 0;
    } finally {
      client.destroy();
    }
  },
};
