// Team mode's event bus against a real redis-server (started by the harness on a loopback port): a
// run published from one process is followed from another, live and resumably; Redis restarting in
// the middle of a run loses and duplicates nothing; bad URLs and credentials get a clear line.
import { strict as assert } from 'node:assert';
import { connectTeam, type TeamClient } from '../../../src/team/redisConnection';
import { followRun, indexTop, nextRunStart, recentRuns } from '../../../src/team/runFollower';
import { pacedSampleTeam } from '../../fakes/sampleTeam';
import { runCli } from '../../helpers/cliRunner';
import { openSse } from '../../helpers/sse';
import { serve, TOKEN } from '../server/helpers';
import { redisAvailable, startRedis, type RedisServer } from '../../helpers/redisServer';
import { fakeEnv, jsonLines, sampleTeamServer, sampleWorkspace } from '../orchestrator/helpers';

const OBJECTIVE = 'add pagination to the users API';

describe('team mode: the event bus on Redis Streams', function () {
  this.timeout(180_000);
  const models = sampleTeamServer(20);
  let redis: RedisServer;
  let client: TeamClient;
  before(async function () {
    if (!redisAvailable()) throw new Error('redis-server is not installed: apt-get install -y redis-server (.ci/run does)');
    redis = await startRedis();
    client = await connectTeam(redis.url);
  });
  after(async () => {
    await client?.destroy();
    await redis?.stop();
  });

  async function collect(runId: string, afterSeq = 0, stopAfter = Infinity) {
    const controller = new AbortController();
    const out = [];
    for await (const e of followRun(client, runId, { afterSeq, signal: controller.signal, blockMs: 200 })) {
      out.push(e);
      if (out.length >= stopAfter) break;
    }
    return out;
  }

  it('a follower on another connection sees every event of a run once, in order, equal to the local log', async () => {
    const root = sampleWorkspace();
    const watching = new AbortController();
    const started = nextRunStart(client, watching.signal, await indexTop(client));
    const run = runCli(['run', OBJECTIVE, '--cwd', root, '--json', '--redis', redis.url], { env: fakeEnv(models()) });
    const announced = await started;
    assert.ok(announced, 'the run start was announced on the index stream');
    const followed = await collect(announced.runId);
    const result = await run;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /team bus: publishing to redis:\/\/127\.0\.0\.1/);
    const local = jsonLines(result.stdout);
    assert.equal(local[0]!.runId, announced.runId);
    assert.deepEqual(followed.map((e) => [e.seq, e.type, e.data]), local.map((e) => [e.seq, e.type, e.data]));
    const index = await recentRuns(client, 5);
    assert.equal(index[0]!.runId, announced.runId);
    assert.equal(index[0]!.type, 'run.completed');
    assert.ok((await client.ttl(`codecompanion:run:${announced.runId}`)) > 0, 'a finished run expires after the retention');
  });

  it('a follower cut off resumes from the last sequence number it saw with no gap and no duplicate', async () => {
    const root = sampleWorkspace();
    const result = await runCli(['run', OBJECTIVE, '--cwd', root, '--json', '--redis', redis.url], { env: fakeEnv(models()) });
    const runId = jsonLines(result.stdout)[0]!.runId;
    const head = await collect(runId, 0, 7);
    const rest = await collect(runId, head.at(-1)!.seq);
    const seqs = [...head, ...rest].map((e) => e.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
    assert.equal(rest.at(-1)!.type, 'run.completed');
  });

  it('Redis restarting mid-run: the run completes from the local log, says the bus was degraded, and a follower sees every event once', async () => {
    models().respond(pacedSampleTeam(150));
    const root = sampleWorkspace();
    const watching = new AbortController();
    const started = nextRunStart(client, watching.signal, await indexTop(client));
    const run = runCli(['run', OBJECTIVE, '--cwd', root, '--json', '--redis', redis.url], { env: fakeEnv(models()) });
    const { runId } = (await started)!;
    const followed: Awaited<ReturnType<typeof collect>> = [];
    const following = (async () => {
      for await (const e of followRun(client, runId, { signal: new AbortController().signal, blockMs: 200 })) followed.push(e);
    })();
    // restart once the run is a few events in
    const deadline = Date.now() + 60_000;
    while (followed.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1_500)); // down long enough for the run to write while it is away
    await redis.restart();
    const result = await run;
    await following;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /team bus degraded \(.+\): the run goes on from the local log/);
    assert.match(result.stderr, /team bus: back, caught up from the local log/);
    const local = jsonLines(result.stdout);
    assert.deepEqual(followed.map((e) => e.seq), local.map((e) => e.seq), 'every event once, in order');
    assert.deepEqual(followed.map((e) => e.type), local.map((e) => e.type));
  });

  it("serve with --redis streams a run started on another machine over SSE, from Redis, resumably", async () => {
    models().respond(pacedSampleTeam(60));
    const served = await serve(models(), { redisUrl: redis.url }, sampleWorkspace());
    try {
      const since = await indexTop(client);
      const elsewhere = runCli(['run', OBJECTIVE, '--cwd', sampleWorkspace(), '--json', '--redis', redis.url], { env: fakeEnv(models()) });
      const { runId } = (await nextRunStart(client, new AbortController().signal, since))!;
      const auth = { authorization: `Bearer ${TOKEN}` };
      assert.equal((await served.api('GET', `/runs/${runId}`)).status, 404, 'not a run of this workspace');
      const first = await openSse(`${served.url}/runs/${runId}/events`, auth);
      const head = [];
      for (let f = await first.next(); f && head.length < 5; f = await first.next()) head.push(f);
      first.close();
      const rest = [];
      const second = await openSse(`${served.url}/runs/${runId}/events`, { ...auth, 'last-event-id': head.at(-1)!.id! });
      for (let f = await second.next(); f; f = await second.next()) rest.push(f);
      const local = jsonLines((await elsewhere).stdout);
      const seqs = [...head, ...rest].filter((f) => f.event === 'message').map((f) => JSON.parse(f.data).seq as number);
      assert.deepEqual(seqs, local.map((e) => e.seq));
      assert.equal(rest.at(-1)!.event, 'end');
      assert.equal((await served.api('GET', '/health')).body.teamBus, 'ok');
    } finally {
      await served.server.close();
    }
  });

  it('follow prints a published run and exits 0; wrong password, bad URLs and no server are clear usage errors', async () => {
    const root = sampleWorkspace();
    const result = await runCli(['run', OBJECTIVE, '--cwd', root, '--json', '--redis', redis.url], { env: fakeEnv(models()) });
    const runId = jsonLines(result.stdout)[0]!.runId;
    const follow = await runCli(['follow', runId, '--redis', redis.url]);
    assert.equal(follow.code, 0, follow.stderr);
    assert.match(follow.stdout, /completed: 3 patch\(es\) accepted/);
    const secured = await startRedis({ password: 'team-secret-pw' });
    try {
      const good = await runCli(['follow', runId, '--redis', `redis://:team-secret-pw@127.0.0.1:${secured.port}`, '--after', '0'], { signal: AbortSignal.timeout(1_500) });
      assert.equal(good.code, 130, 'connected with the password, and waited for events until stopped');
      for (const [url, message] of [
        [`redis://:wrong-pw@127.0.0.1:${secured.port}`, /refused the credentials/],
        [`redis://127.0.0.1:${secured.port}`, /refused the credentials/],
        ['http://127.0.0.1:6379', /scheme must be redis:\/\/ or rediss:\/\//],
        ['redis://', /not a Redis URL|names no host/],
        ['not a url', /not a Redis URL/],
        [`redis://127.0.0.1:1`, /nothing answers/],
      ] as const) {
        for (const argv of [['follow', 'x', '--redis', url], ['run', OBJECTIVE, '--cwd', sampleWorkspace(), '--redis', url]]) {
          const r = await runCli(argv, { env: fakeEnv(models()) });
          assert.equal(r.code, 2, `${argv[0]} ${url}: ${r.stderr}`);
          assert.match(r.stderr, message, r.stderr);
          assert.ok(!r.stderr.includes('wrong-pw') && !r.stderr.includes('team-secret-pw'), 'the password is never printed');
        }
      }
    } finally {
      await secured.stop();
    }
  });
});
