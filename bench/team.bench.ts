// Team mode on a real redis-server (loopback, started here): the event bus's throughput and latency
// from a durable append in the local log to a subscriber on another connection; check jobs spread
// over 1, 2 and 4 worker processes (`dist/cli.js worker --allow-check`, 16 jobs of `sleep 1`); and a
// worker's failover, from its kill -9 until its job completes on another worker.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStore } from '../src/app/openStore';
import { parseEvent } from '../src/core/events';
import { runCheck } from '../src/core/orchestrator/checkCommand';
import { WorkspaceView } from '../src/core/orchestrator/workspaceView';
import { systemClock } from '../src/core/ports/clock';
import { containment } from '../src/core/sandbox/containment';
import { connectTeam, type TeamClient } from '../src/team/redisConnection';
import { CHECKS_STREAM, decodeEntry, resultsKey, streamMessages } from '../src/team/jobsQueue';
import { remoteChecks } from '../src/team/remoteChecks';
import { followRun } from '../src/team/runFollower';
import { TeamPublisher } from '../src/team/teamPublisher';
import { startRedis } from '../test/helpers/redisServer';
import { percentile, rowCollector, type BenchSuite } from './harness';

const CLI = path.resolve(__dirname, '../dist/cli.js');
const LEASE_MS = 3_000;
const JOBS = 16;
const JOB_S = 1;

export const suite: BenchSuite = {
  name: 'team (Redis Streams)',
  async run(report) {
    const out = rowCollector(report);
    out.add({ metric: 'load average (1 min) at start', value: os.loadavg()[0]!.toFixed(2) });
    if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: npm run build (npm run bench does it)');
    const redis = await startRedis();
    const client = await connectTeam(redis.url);
    const children: ChildProcess[] = [];
    try {
      await busNumbers(client, out.add);
      await scaleOut(client, redis.url, children, out.add);
      await failover(client, redis.url, children, out.add);
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      client.destroy();
      await redis.stop();
    }
    return out.rows;
  },
};

type Add = (row: { metric: string; value: number | string; unit?: string; goal?: string }) => void;

/** Events appended to the real workspace database (durable), published as a run does, read by a follower. */
async function busNumbers(client: TeamClient, add: Add): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-team-'));
  const opened = await openStore(root, 'write', 'bench');
  const publisher = new TeamPublisher(client, opened.store, { workspace: 'bench', host: os.hostname() });
  const event = (i: number) => ({ type: 'agent.call.streamed', data: { callId: 'c1', text: `token ${i} `.repeat(4), chars: 32 } });
  try {
    // throughput: a burst of durable events (appended in batches of 100, as a streaming call's deltas are), until the follower has the last
    const burstRun = 'run-bench-burst';
    const burst = 5_000;
    const seenBurst = follow(client, burstRun, burst);
    const t0 = performance.now();
    for (let i = 0; i < burst; i += 100) {
      const stored = await opened.store.append(burstRun, Array.from({ length: 100 }, (_, k) => event(i + k)));
      for (const e of stored) publisher.publish(parseEvent(e));
    }
    await seenBurst.done;
    const seconds = (performance.now() - t0) / 1000;
    add({ metric: `bus throughput: ${burst} durable events to a follower`, value: Math.round(burst / seconds), unit: 'events/s' });

    // latency: one event at a time, from its append resolving (durable) to the follower on another connection
    const latRun = 'run-bench-latency';
    const n = 300;
    const appendedAt = new Map<number, number>();
    const seen = follow(client, latRun, n);
    for (let i = 0; i < n; i++) {
      const [stored] = await opened.store.append(latRun, [event(i)]);
      appendedAt.set(stored!.seq, performance.now());
      publisher.publish(parseEvent(stored!));
      await new Promise((r) => setTimeout(r, 5));
    }
    const arrivals = await seen.done;
    const lat = [...arrivals].map(([seq, at]) => at - appendedAt.get(seq)!);
    add({ metric: `bus latency p50, durable append to a follower (${n} events)`, value: percentile(lat, 50), unit: 'ms' });
    add({ metric: 'bus latency p99', value: percentile(lat, 99), unit: 'ms' });
  } finally {
    await publisher.close();
    await opened.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function follow(client: TeamClient, runId: string, count: number): { done: Promise<Map<number, number>> } {
  const stop = new AbortController();
  const arrivals = new Map<number, number>();
  const done = (async () => {
    for await (const e of followRun(client, runId, { signal: stop.signal, blockMs: 1_000 })) {
      arrivals.set(e.seq, performance.now());
      if (arrivals.size >= count) break;
    }
    return arrivals;
  })();
  return { done };
}

function startWorker(url: string, name: string, children: ChildProcess[]): Promise<ChildProcess> {
  // the worker needs a provider configured to start; no model job is published here, so nothing reaches it
  const env = { ...process.env, ANTHROPIC_API_KEY: 'bench-not-a-key', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' };
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', url, '--name', name, '--concurrency', '1', '--allow-check', '--check-concurrency', '1', '--lease', String(LEASE_MS)], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let log = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('taking check jobs')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker ${name} exited ${code}: ${log.slice(-500)}`)));
  });
}

function describeLevel(): string {
  return containment(process.env).level;
}

function tinyWorkspace(): WorkspaceView {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-ws-'));
  fs.writeFileSync(path.join(root, 'package.json'), '{"name":"bench"}\n');
  fs.mkdirSync(path.join(root, 'src'));
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(root, 'src', `f${i}.js`), `module.exports = ${i};\n`);
  return new WorkspaceView(root);
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
}

async function scaleOut(client: TeamClient, url: string, children: ChildProcess[], add: Add): Promise<void> {
  const view = tinyWorkspace();
  const plan = { ok: true, edits: [], files: [] };
  const checks = remoteChecks(client);
  // the floor: the same check run here, through the same sandbox, with no Redis or worker in between
  const local = async () => {
    const t = performance.now();
    await runCheck(view, plan, `sleep ${JOB_S}`, 60_000, systemClock, undefined, { env: process.env, pass: [] });
    return (performance.now() - t) / 1000;
  };
  const alone = [await local(), await local(), await local()];
  const t4 = performance.now();
  await Promise.all([local(), local(), local(), local()]);
  add({ metric: `the same check run locally (${describeLevel()}): alone p50 of 3 / 4 at once`, value: `${percentile(alone, 50).toFixed(2)} / ${((performance.now() - t4) / 1000).toFixed(2)}`, unit: 's' });
  let single = 0;
  for (const workers of [1, 2, 4]) {
    await client.flushAll();
    await Promise.all(Array.from({ length: workers }, (_, i) => startWorker(url, `bench-${workers}-${i}`, children)));
    const t0 = performance.now();
    const startedAt = Date.now();
    const answeredAt = new Map<string, number>();
    const reports = await Promise.all(Array.from({ length: JOBS }, async (_, i) => {
      const key = `bench-${workers}/job${i}.check`;
      const r = await checks.run(view, plan, `sleep ${JOB_S}`, 60_000, undefined, key);
      answeredAt.set(key, Date.now());
      return r;
    }));
    const seconds = (performance.now() - t0) / 1000;
    if (reports.some((r) => !r.passed)) throw new Error(`a check failed: ${reports.find((r) => !r.passed)!.output}`);
    await stopAll(children);
    if (workers === 1) single = seconds;
    const ideal = (JOBS * JOB_S) / workers;
    const ratio = ideal / seconds;
    add({ metric: `scale-out: ${JOBS} check jobs of ${JOB_S} s, ${workers} worker${workers > 1 ? 's' : ''}`, value: seconds, unit: 's' });
    add({ metric: `  ratio to ideal (${ideal} s) / to linear from 1 worker`, value: `${ratio.toFixed(3)} / ${(single / seconds / workers).toFixed(3)}`, ...(workers === 4 ? { goal: `≥ 0.85 of ideal at 4 workers: ${ratio >= 0.85 ? 'met' : 'NOT met'}` } : {}) });
    const b = await breakdown(client, startedAt, answeredAt, JOB_S * 1000);
    add({ metric: `  per job, mean: publish→taken / worker outside the check / check past its ${JOB_S} s (scratch, unpack, sandbox, sweep) / report→answered`, value: `${b.queued.toFixed(0)} / ${b.setup.toFixed(0)} / ${b.sandbox.toFixed(0)} / ${b.answer.toFixed(0)}`, unit: 'ms' });
    add({ metric: '  from the start: first job published / first taken / last published', value: `${b.firstPublished} / ${b.firstTaken} / ${b.lastPublished}`, unit: 'ms' });
    add({ metric: '  per worker: idle from its answer to its next job taken, mean ms', value: b.pickup.toFixed(1), unit: 'ms' });
  }
}

/**
 * Where a check job's time goes, from Redis' own clock (stream ids are milliseconds): published on the
 * checks stream → `claimed` on its results stream (queue wait, including waiting for a free worker) →
 * the `report` entry; the report's durationMs is the sandboxed check itself (scratch folder, unpack,
 * bubblewrap, the command); `answered` is when the orchestrator's run() returned.
 */
async function breakdown(client: TeamClient, startedAt: number, answeredAt: ReadonlyMap<string, number>, commandMs: number): Promise<{ queued: number; setup: number; sandbox: number; answer: number; pickup: number; firstPublished: number; firstTaken: number; lastPublished: number }> {
  const ms = (id: string) => Number(id.split('-')[0]);
  const published = new Map<string, number>();
  for (const m of streamMessages([{ messages: await client.xRange(CHECKS_STREAM, '-', '+') }])) published.set((JSON.parse(m.message.job!) as { callKey: string }).callKey, ms(m.id));
  const rows: Array<{ worker: string; taken: number; reported: number; queued: number; setup: number; sandbox: number; answer: number }> = [];
  for (const [key, answered] of answeredAt) {
    const entries = streamMessages([{ messages: await client.xRange(resultsKey(key), '-', '+') }]).map((m) => ({ at: ms(m.id), e: decodeEntry(m.message.entry) }));
    const claimed = entries.find((x) => x.e.type === 'claimed');
    const report = entries.find((x) => x.e.type === 'report');
    if (!claimed || claimed.e.type !== 'claimed' || !report || report.e.type !== 'report') continue;
    const took = report.at - claimed.at;
    rows.push({ worker: claimed.e.worker, taken: claimed.at, reported: report.at, queued: claimed.at - published.get(key)!, setup: took - report.e.report.durationMs, sandbox: report.e.report.durationMs - commandMs, answer: answered - report.at });
  }
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
  const gaps: number[] = [];
  for (const w of new Set(rows.map((r) => r.worker))) {
    const mine = rows.filter((r) => r.worker === w).sort((a, b) => a.taken - b.taken);
    for (let i = 1; i < mine.length; i++) gaps.push(mine[i]!.taken - mine[i - 1]!.reported);
  }
  const pubs = [...published.values()];
  return { firstPublished: Math.min(...pubs) - startedAt, lastPublished: Math.max(...pubs) - startedAt, firstTaken: Math.min(...rows.map((r) => r.taken)) - startedAt, queued: mean(rows.map((r) => r.queued)), setup: mean(rows.map((r) => r.setup)), sandbox: mean(rows.map((r) => r.sandbox)), answer: mean(rows.map((r) => r.answer)), pickup: mean(gaps) };
}

async function failover(client: TeamClient, url: string, children: ChildProcess[], add: Add): Promise<void> {
  const view = tinyWorkspace();
  const plan = { ok: true, edits: [], files: [] };
  const times: number[] = [];
  for (let trial = 0; trial < 3; trial++) {
    await client.flushAll();
    const workers = new Map<string, ChildProcess>();
    for (const name of [`fo${trial}-a`, `fo${trial}-b`]) workers.set(name, await startWorker(url, name, children));
    const key = `failover/t${trial}.check`;
    const done = remoteChecks(client).run(view, plan, `sleep ${JOB_S}`, 60_000, undefined, key);
    const holder = await firstClaim(client, key);
    const killedAt = performance.now();
    workers.get(holder)!.kill('SIGKILL');
    const r = await done;
    times.push((performance.now() - killedAt) / 1000);
    if (!r.passed) throw new Error(`the failed-over check failed: ${r.output}`);
    await stopAll(children);
  }
  const worst = Math.max(...times);
  const goal = LEASE_MS / 1000 + 2;
  add({ metric: `failover: kill -9 mid-job to done elsewhere (lease ${LEASE_MS / 1000} s, ${JOB_S} s job), 3 trials`, value: times.map((t) => t.toFixed(2)).join(' / '), unit: 's' });
  add({ metric: '  worst of 3', value: worst, unit: 's', goal: `≤ lease + 2 s = ${goal} s: ${worst <= goal ? 'met' : 'NOT met'}` });
}

async function firstClaim(client: TeamClient, key: string): Promise<string> {
  for (;;) {
    const entries = streamMessages([{ messages: await client.xRange(resultsKey(key), '-', '+') }]).map((m) => decodeEntry(m.message.entry));
    const claimed = entries.find((e) => e.type === 'claimed');
    if (claimed?.type === 'claimed') return claimed.worker;
    await new Promise((r) => setTimeout(r, 10));
  }
}
