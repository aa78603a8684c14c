// codecompanion worker --redis URL [--concurrency N] [--lease MS] [--allow-check ...]: takes the team's
// agent-call jobs from Redis and runs them on this machine's own provider keys, and with --allow-check
// its check jobs in this machine's sandbox (see src/team/worker.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REDIS_URL_ENV, redactRedisUrl } from '../../team/redisConnection';
import { DEFAULT_LEASE_MS } from '../../team/jobsQueue';
import { runWorker } from '../../team/worker';
import { parseVariableList, refusedCheckVariables } from '../../core/sandbox/checkEnvironment';
import { containment, describeContainment } from '../../core/sandbox/containment';
import { Redactor } from '../../core/security/redaction';
import { loadModels } from '../engine';
import { connectTeamOrExplain } from '../team';
import { parseCommandLine, UsageError, type CliCommand } from '../io';

const OPTIONS = { redis: { type: 'string' }, concurrency: { type: 'string' }, lease: { type: 'string' }, models: { type: 'string' }, name: { type: 'string' }, 'allow-check': { type: 'boolean' }, 'check-concurrency': { type: 'string' }, 'check-env': { type: 'string', multiple: true }, 'check-deps': { type: 'string' } } as const;

export const workerCommand: CliCommand = {
  name: 'worker',
  usage: 'worker [--redis URL] [--concurrency N] [--lease MS] [--name NAME] [--allow-check [--check-concurrency N] [--check-env NAME,...] [--check-deps DIR]]',
  summary: "run the team's agent calls (jobs on Redis) with this machine's own provider keys; with --allow-check, its checks in this machine's sandbox",
  async run(io) {
    const { values } = parseCommandLine(io.argv, OPTIONS);
    const url = values.redis ?? io.env[REDIS_URL_ENV];
    if (!url) throw new UsageError(`give the team's Redis with --redis URL or ${REDIS_URL_ENV}`);
    const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError('--concurrency takes a whole number from 1 to 256');
    const leaseText = values.lease ?? io.env.CODECOMPANION_WORKER_LEASE_MS;
    const leaseMs = leaseText === undefined ? DEFAULT_LEASE_MS : Number(leaseText);
    if (!Number.isInteger(leaseMs) || leaseMs < 1_000) throw new UsageError('--lease takes milliseconds, at least 1000');
    const checkConcurrency = values['check-concurrency'] === undefined ? 1 : Number(values['check-concurrency']);
    if (!Number.isInteger(checkConcurrency) || checkConcurrency < 1 || checkConcurrency > 64) throw new UsageError('--check-concurrency takes a whole number from 1 to 64');
    if (!values['allow-check'] && (values['check-concurrency'] !== undefined || values['check-env'] || values['check-deps'])) throw new UsageError('--check-concurrency, --check-env and --check-deps go with --allow-check');
    const deps = values['check-deps'] === undefined ? undefined : path.resolve(io.cwd, values['check-deps']);
    if (deps !== undefined && !fs.statSync(deps, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--check-deps ${deps}: not a folder (give a node_modules folder for the checks)`);
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
    let checks;
    if (values['allow-check']) {
      const pass = parseVariableList([...(io.env.CODECOMPANION_CHECK_ENV ? [io.env.CODECOMPANION_CHECK_ENV] : []), ...(values['check-env'] ?? [])]);
      for (const r of refusedCheckVariables(pass, io.env)) io.stderr.write(`check jobs: not passing ${r.name}: ${r.why}\n`);
      io.stderr.write(`check jobs run under: ${describeContainment(containment(io.env))}\n`);
      checks = { host: { env: io.env, pass }, dependencies: deps, redactor: Redactor.fromEnv(io.env, models.secrets ?? []), concurrency: checkConcurrency };
    }
    try {
      await runWorker(client, { models: models.models, concurrency, leaseMs, ...(checks ? { checks } : {}), ...(values.name ? { name: values.name } : {}), log: (line) => io.stderr.write(`${line}\n`), signal: io.signal });
      return 0;
    } finally {
      client.destroy();
    }
  },
};
