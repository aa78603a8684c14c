// Team workers against a real redis-server (test/helpers/redisServer.ts) and the fake vendors: a run's
// model calls done by 2 spawned worker processes, a worker killed with SIGKILL mid-call whose job is
// taken over and finished once, results idempotent by call, payload limits, and clear connection errors.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { createClient } from 'redis';
import { projectRun } from '../../../src/core/orchestrator/runState';
import { loadModels } from '../../../src/cli/engine';
import { connectTeam, type TeamClient } from '../../../src/team/redisConnection';
import { encodeJob, JobError, JOBS_STREAM, resultsKey, MAX_JOB_BYTES } from '../../../src/team/jobsQueue';
import { RemoteModelClient } from '../../../src/team/remoteModels';
import { runWorker } from '../../../src/team/worker';
import { ModelError } from '../../../src/core/ports/model';
import { redisAvailable, startRedis, type RedisServer } from '../../helpers/redisServer';
import { runCli } from '../../helpers/cliRunner';
import { until } from './teamProcesses';
import { fakeEnv, jsonLines, ofType, sampleTeamServer, sampleWorkspace, SECRET } from '../orchestrator/helpers';

const MODELS = 'anthropic:claude-sonnet-4-6,openai:gpt-5-mini,gemini:gemini-2.5-flash';

describe('team workers on a real redis-server', function () {
  this.timeout(180_000);
  let redis: RedisServer;
  let cliJs: string;
  const server = sampleTeamServer(300);
  const children: ChildProcess[] = [];
  before(async function () {
    if (!redisAvailable()) throw new Error('redis-server is not installed: apt-get install -y redis-server (.ci/run does it)');
    redis = await startRedis();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-cli-bundle-'));
    cliJs = path.join(out, 'cli.js');
    await esbuild.build({ entryPoints: [path.resolve(__dirname, '../../../src/cli/main.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: cliJs, logLevel: 'silent' });
    fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(out, 'sql-wasm.wasm'));
  });
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    const c = createClient({ url: redis.url });
    await c.connect();
    await c.flushAll();
    c.destroy();
  });
  after(() => redis?.stop());

  function worker(name: string, extra: string[] = []): { child: ChildProcess; log: () => string } {
    const child = spawn(process.execPath, [cliJs, 'worker', '--redis', redis.url, '--concurrency', '2', '--lease', '2000', '--name', name, ...extra], { env: { ...process.env, ...fakeEnv(server()) }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let log = '';
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    return { child, log: () => log };
  }

  /** The orchestrator: no provider key at all, its calls go to the workers. */
  function orchestrator(root: string): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CODECOMPANION_MODELS: MODELS };
    const child = spawn(process.execPath, [cliJs, 'run', 'add pagination to the users API', '--cwd', root, '--redis', redis.url, '--remote-calls', '--json', '--check', 'node --test', '--apply'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    return { child, done: new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err }))) };
  }

  function checkOnceEach(events: ReturnType<typeof jsonLines>) {
    const finished = ofType(events, 'agent.call.finished');
    const perCall = new Map<string, number>();
    for (const e of finished) perCall.set(e.data.callId, (perCall.get(e.data.callId) ?? 0) + 1);
    for (const [callId, n] of perCall) assert.equal(n, 1, `${callId} finished ${n} times`);
    assert.ok(perCall.size >= 6, `only ${perCall.size} calls`);
    return finished;
  }

  it('a run with no key of its own has its model calls done by 2 worker processes, each billed once', async () => {
    const a = worker('wa');
    const b = worker('wb');
    const root = sampleWorkspace();
    const run = await orchestrator(root).done;
    assert.equal(run.code, 0, run.err);
    const events = jsonLines(run.out);
    const state = projectRun(events[0]!.runId, events);
    assert.equal(state.status, 'completed');
    assert.equal(Object.values(state.patches).filter((p) => p.status === 'applied').length, 3);
    const finished = checkOnceEach(events);
    assert.match(a.log(), /taken/);
    assert.match(b.log(), /taken/);
    // the vendor billed each call once, and the run booked exactly what the vendor billed
    const chat = server().requests.filter((r) => r.kind === 'chat').length;
    assert.equal(chat, finished.length);
    const bookedIn = finished.reduce((s, e) => s + e.data.usage.inputTokens, 0);
    const billedIn = server().billed.reduce((s, u) => s + u.input, 0);
    assert.equal(bookedIn, billedIn);
    assert.ok(!run.err.includes(SECRET) && !a.log().includes(SECRET));
  });

  it('a worker killed with SIGKILL mid-call: its job is taken over after the lease and finished once, not billed twice', async () => {
    server().respond(undefined);
    const { pacedSampleTeam } = await import('../../fakes/sampleTeam');
    server().respond(pacedSampleTeam(3_000)); // long enough to kill the first worker while its vendor request is open
    const a = worker('victim');
    const root = sampleWorkspace();
    const run = orchestrator(root);
    const asked = server().requests.filter((r) => r.kind === 'chat').length;
    await until('the victim to take a call', () => /: taken \(/.test(a.log()));
    const takenKey = /(\S+): taken \(/.exec(a.log())![1]!;
    // killed once its vendor request is open (the worker logs "taken" before it claims and calls): a kill
    // before the request leaves nothing to bill, and the test would not be about a cut-off call
    await until("the victim's request to reach the vendor", () => server().requests.filter((r) => r.kind === 'chat').length > asked);
    a.child.kill('SIGKILL');
    const b = worker('rescuer');
    server().respond(pacedSampleTeam(50));
    const result = await run.done;
    assert.equal(result.code, 0, result.err);
    assert.match(b.log(), new RegExp(`${takenKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: taken over from a worker that stopped renewing its lease`));
    const events = jsonLines(result.out);
    assert.equal(projectRun(events[0]!.runId, events).status, 'completed');
    const finished = checkOnceEach(events);
    // every call the run booked was billed once; the killed attempt is the only possible extra bill
    const full = server().billed.filter((u) => u.output > 1);
    const bookedOut = finished.reduce((s, e) => s + e.data.usage.outputTokens, 0);
    // the vendor may still bill the killed worker's own request (it answers to a dead socket): at most that one bill is extra
    const extra = full.reduce((s, u) => s + u.output, 0) - bookedOut;
    assert.ok(extra === 0 || full.some((u) => u.output === extra), `the vendor billed ${extra} output tokens the run did not book`);
    assert.ok(server().billed.length <= finished.length + 1, `${server().billed.length} bills for ${finished.length} calls`);
    // what the killed worker's request cost is unknown: the run books its hold for it, never $0
    const callId = takenKey.slice(takenKey.indexOf('/') + 1);
    const released = ofType(events, 'budget.released').filter((e) => e.data.callId === callId);
    assert.equal(released.length, 1, `the taken-over call ${callId} released its hold once`);
    assert.ok(released[0]!.data.unknownUsage && (released[0]!.data.spentUsd ?? 0) > 0, `the killed delivery was booked: ${JSON.stringify(released[0]!.data)}`);
  });

  describe('in process', () => {
    let client: TeamClient;
    beforeEach(async () => (client = await connectTeam(redis.url)));
    afterEach(() => client.destroy());

    it('a job whose result is already stored is acknowledged and not run again', async () => {
      server().respond(() => ({ text: 'the plan' }));
      const models = loadModels(fakeEnv(server()), {}).models;
      const stop = new AbortController();
      const running = runWorker(client, { models, concurrency: 1, leaseMs: 2_000, log: () => undefined, signal: stop.signal });
      const remote = new RemoteModelClient('anthropic', client);
      const ask = () => remote.stream({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'PLAN the work' }], maxOutputTokens: 100, callKey: 'run1/t1.a1' });
      const drain = async () => {
        for await (const d of ask()) if (d.type === 'done') return d.result;
        return undefined;
      };
      const first = await drain();
      assert.ok(first);
      const requests = server().requests.length;
      // published again (a resumed run; a redelivery): the stored result answers, the vendor is not asked
      await client.xAdd(JOBS_STREAM, '*', { job: encodeJob({ kind: 'model', callKey: 'run1/t1.a1', attempt: 1, provider: 'anthropic', model: 'claude-sonnet-4-6', request: { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'x' }], maxOutputTokens: 100 } }) });
      const second = await drain();
      assert.deepEqual(second, first);
      await until('the republished job to be acknowledged', async () => ((await client.xPending(JOBS_STREAM, 'workers')).pending === 0 ? true : undefined));
      assert.equal(server().requests.length, requests);
      stop.abort();
      await running;
    });

    it("a call the worker's vendor cut off comes back unsettled, so the run books its hold", async () => {
      server().respond(() => ({ fault: 'cut', afterChunks: 1, text: 'a partial answer that never ends' }));
      const models = loadModels(fakeEnv(server()), {}).models;
      const stop = new AbortController();
      const running = runWorker(client, { models, concurrency: 1, leaseMs: 2_000, log: () => undefined, signal: stop.signal });
      const remote = new RemoteModelClient('anthropic', client);
      const error = await (async () => {
        try {
          for await (const _ of remote.stream({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'PLAN the work' }], maxOutputTokens: 100, callKey: 'run1/cut.a1' })) void _;
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      assert.ok(error instanceof ModelError, `expected a ModelError, got ${String(error)}`);
      const sent = server().requests.filter((r) => r.kind === 'chat').length;
      assert.ok(sent >= 1);
      assert.equal(error.details.unsettled?.attempts, sent, `${sent} requests cut off, unsettled: ${JSON.stringify(error.details.unsettled)}`);
      stop.abort();
      await running;
    });

    it('payloads are validated and size-limited on both sides', async () => {
      assert.throws(() => encodeJob({ kind: 'model', callKey: 'r/c', attempt: 0, provider: 'openai', model: 'm', request: { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(MAX_JOB_BYTES) }], maxOutputTokens: 10 } }), (e: Error) => e instanceof JobError && /past the 8\.0 MiB limit/.test(e.message));
      const stop = new AbortController();
      const lines: string[] = [];
      const running = runWorker(client, { models: () => undefined, concurrency: 1, log: (l) => lines.push(l), signal: stop.signal });
      await client.xAdd(JOBS_STREAM, '*', { job: JSON.stringify({ kind: 'model', callKey: 'r/bad', attempt: 0, provider: 'nobody', model: 'm', request: {} }) });
      const entry = await until('the refusal', async () => ((await client.xRange(resultsKey('r/bad'), '-', '+')) as Array<{ message: Record<string, string> }> | null)?.[0]);
      assert.match(String(entry.message.entry), /refused the job: a job does not match the schema: provider/);
      assert.ok(lines.some((l) => /refused/.test(l)));
      // the orchestrator's side fails the call with that reason
      const remote = new RemoteModelClient('openai', client);
      await assert.rejects(async () => {
        for await (const _ of remote.stream({ model: 'm', messages: [], maxOutputTokens: 10, callKey: 'r/bad' })) void _;
      }, (e: Error) => e instanceof ModelError && e.kind === 'bad_request' && /refused the job/.test(e.message));
      stop.abort();
      await running;
    });
  });

  it('wrong password, bad URLs and a missing --redis get one clear line each, never the password', async () => {
    const locked = await startRedis({ password: 'right-one' });
    try {
      const wrong = await runCli(['worker', '--redis', `redis://:not-it-123@127.0.0.1:${locked.port}`]);
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, /refused the credentials/);
      assert.ok(!wrong.stderr.includes('not-it-123'));
    } finally {
      await locked.stop();
    }
    const scheme = await runCli(['worker', '--redis', 'http://127.0.0.1:6379']);
    assert.match(scheme.stderr, /scheme must be redis:\/\/ or rediss:\/\//);
    const nobody = await runCli(['worker', '--redis', `redis://127.0.0.1:${redis.port + 1}`]);
    assert.match(nobody.stderr, /nothing answers at|did not answer/);
    const noUrl = await runCli(['run', 'x', '--remote-calls'], { env: { CODECOMPANION_MODELS: MODELS } });
    assert.match(noUrl.stderr, /--remote-calls sends the model calls to team workers: give the team's Redis/);
  });
});
