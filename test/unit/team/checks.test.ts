// Check jobs against a real redis-server and the fake vendors: a run whose model calls and checks are
// done by 2 spawned worker processes (the orchestrator could not run `node` itself), a worker killed
// with SIGKILL mid-check whose job is taken over and answered once, a worker without --allow-check
// that refuses check jobs (and the run told so instead of waiting), and the archive's limits and rules.
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createClient } from 'redis';
import { projectRun } from '../../../src/core/orchestrator/runState';
import { WorkspaceView } from '../../../src/core/orchestrator/workspaceView';
import type { PatchPlan } from '../../../src/core/patch/planPatch';
import { connectTeam, type TeamClient } from '../../../src/team/redisConnection';
import { CHECKS_STREAM, decodeEntry, JobError, resultsKey } from '../../../src/team/jobsQueue';
import { encodeCheckJob, MAX_CHECK_ARCHIVE_BYTES, packWorkspace, unpackFolder } from '../../../src/team/checkJobs';
import { remoteChecks, TeamCheckError } from '../../../src/team/remoteChecks';
import { runWorker } from '../../../src/team/worker';
import { Redactor } from '../../../src/core/security/redaction';
import { redisAvailable, startRedis, type RedisServer } from '../../helpers/redisServer';
import { fakeEnv, jsonLines, ofType, sampleTeamServer, sampleWorkspace, SECRET } from '../orchestrator/helpers';
import { bundleCli, killAll, spawnCli, until } from './teamProcesses';

const MODELS = 'anthropic:claude-sonnet-4-6,openai:gpt-5-mini,gemini:gemini-2.5-flash';

describe('check jobs on a real redis-server', function () {
  this.timeout(240_000);
  let redis: RedisServer;
  let cliJs: string;
  const server = sampleTeamServer(100);
  const children: ChildProcess[] = [];
  before(async function () {
    if (!redisAvailable()) throw new Error('redis-server is not installed: apt-get install -y redis-server (.ci/run does it)');
    redis = await startRedis();
    cliJs = await bundleCli();
  });
  afterEach(async () => {
    killAll(children);
    const c = createClient({ url: redis.url });
    await c.connect();
    await c.flushAll();
    c.destroy();
  });
  after(() => redis?.stop());

  const worker = (name: string, extra: string[] = []) => spawnCli(cliJs, ['worker', '--redis', redis.url, '--concurrency', '2', '--lease', '2000', '--name', name, ...extra], { ...process.env, ...fakeEnv(server()) }, children);

  /** The orchestrator holds no key, and its PATH has no `node`: a check it ran itself would fail. */
  const orchestrator = (root: string, check: string) => {
    const noNode = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-empty-path-'));
    const env: NodeJS.ProcessEnv = { PATH: noNode, HOME: process.env.HOME, CODECOMPANION_MODELS: MODELS };
    return spawnCli(cliJs, ['run', 'add pagination to the users API', '--cwd', root, '--redis', redis.url, '--remote-calls', '--remote-checks', '--json', '--check', check, '--apply'], env, children);
  };

  it('a run whose model calls and checks are done by 2 worker processes, each check answered once', async () => {
    const a = worker('wa', ['--allow-check']);
    const b = worker('wb', ['--allow-check']);
    const run = orchestrator(sampleWorkspace(), 'node --test');
    const code = await run.exited;
    assert.equal(code, 0, `${run.err()}\n${whyNotApplied(run.out())}`);
    const events = jsonLines(run.out());
    const state = projectRun(events[0]!.runId, events);
    assert.equal(state.status, 'completed');
    assert.equal(Object.values(state.patches).filter((p) => p.status === 'applied').length, 3);
    const reports = ofType(events, 'artifact.produced').filter((e) => e.data.kind === 'TestReport');
    assert.ok(reports.length >= 3, `${reports.length} test reports`);
    // every report came from a worker (the orchestrator has no `node`): its log names the check and its outcome, once
    const logs = a.err() + b.err();
    assert.equal((logs.match(/\.check: check (passed|failed)/g) ?? []).length, reports.length, logs);
    for (const r of reports) {
      if (r.data.kind !== 'TestReport') continue;
      assert.match(r.data.body.output, /# tests \d+/);
      assert.ok(logs.includes(`${events[0]!.runId}/${r.data.artifactId}: check ${r.data.body.passed ? 'passed' : 'failed'}`), `${r.data.artifactId} in the workers' logs`);
    }
    assert.ok(reports.some((r) => r.data.kind === 'TestReport' && r.data.body.passed));
    assert.match(a.err() + b.err(), /taking check jobs from codecompanion:checks/);
    assert.match(a.err(), /: taken \(/);
    assert.match(b.err(), /: taken \(/);
    assert.ok(!run.err().includes(SECRET) && !a.err().includes(SECRET) && !b.err().includes(SECRET));
  });

  it('a worker killed with SIGKILL mid-check: the check is taken over after the lease and answered once', async () => {
    const models = worker('models'); // model calls only
    const victim = worker('victim', ['--allow-check']);
    const root = sampleWorkspace();
    const run = orchestrator(root, 'sleep 3 && node --test');
    const key = await until('the victim to take a check', () => /(\S+\.check): taken \(check/.exec(victim.err())?.[1], 180_000);
    // killed once its claim is in the results stream (the worker logs "taken" before it writes the claim): a kill
    // in between leaves one claim, the rescuer's, and the test would not be about a check cut off mid-run
    const watch = await connectTeam(redis.url);
    try {
      await until("the victim's claim in the results stream", async () => {
        const entries = (await watch.xRange(resultsKey(key), '-', '+')) as Array<{ message: Record<string, string> }>;
        return entries.some((m) => decodeEntry(m.message.entry).type === 'claimed') || undefined;
      }, 180_000);
    } finally {
      watch.destroy();
    }
    victim.child.kill('SIGKILL');
    const rescuer = worker('rescuer', ['--allow-check']);
    const code = await run.exited;
    assert.equal(code, 0, `${run.err()}\n${whyNotApplied(run.out())}`);
    assert.match(rescuer.err(), new RegExp(`${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: taken over from a worker that stopped renewing its lease`));
    assert.match(models.err(), /refusing check jobs: started without --allow-check/);
    const events = jsonLines(run.out());
    assert.equal(projectRun(events[0]!.runId, events).status, 'completed');
    // exactly one result: one report in the check's results stream, one TestReport and one validation in the run
    const c = await connectTeam(redis.url);
    try {
      const entries = ((await c.xRange(resultsKey(key), '-', '+')) as Array<{ message: Record<string, string> }>).map((m) => decodeEntry(m.message.entry));
      assert.equal(entries.filter((e) => e.type === 'report').length, 1);
      assert.equal(entries.filter((e) => e.type === 'claimed').length, 2);
    } finally {
      c.destroy();
    }
    const patchId = key.split('/').pop()!.replace(/\.check$/, '');
    assert.equal(ofType(events, 'artifact.produced').filter((e) => e.data.kind === 'TestReport' && e.data.artifactId === `${patchId}.check`).length, 1);
    assert.equal(ofType(events, 'patch.validated').filter((e) => e.data.patchId === patchId).length, 1);
  });

  it('a worker without --allow-check refuses check jobs: the run is told at once instead of waiting', async () => {
    const plain = worker('plain');
    await until('the worker to start', () => /refusing check jobs/.test(plain.err()));
    const run = orchestrator(sampleWorkspace(), 'node --test');
    const code = await run.exited;
    assert.equal(code, 1, run.err());
    const events = jsonLines(run.out());
    const failed = ofType(events, 'run.failed')[0];
    assert.ok(failed, 'the run failed');
    assert.match(failed.data.message, /no live team worker takes check jobs: start one with `codecompanion worker --redis URL --allow-check`/);
    assert.equal(ofType(events, 'artifact.produced').filter((e) => e.data.kind === 'TestReport').length, 0);
    assert.match(plain.err(), /refusing check jobs: started without --allow-check, it never runs model-written check commands/);
    const c = await connectTeam(redis.url);
    try {
      assert.equal(await c.exists(CHECKS_STREAM), 0, 'nothing was published for nobody to take');
    } finally {
      c.destroy();
    }
  });

  describe('in process', () => {
    let client: TeamClient;
    beforeEach(async () => (client = await connectTeam(redis.url)));
    afterEach(() => client.destroy());

    it('a check whose only checker stops is failed with a clear line after the grace, not left waiting', async () => {
      const stop = new AbortController();
      const running = runWorker(client, { models: () => undefined, concurrency: 1, checks: { host: { env: process.env, pass: [] }, dependencies: undefined, redactor: Redactor.fromEnv({}), concurrency: 1 }, leaseMs: 1_000, log: () => undefined, signal: stop.signal });
      await until('the checker to announce itself', async () => ((await client.sMembers('codecompanion:workers')).length > 0 ? true : undefined));
      const root = sampleWorkspace();
      const view = new WorkspaceView(root);
      const plan = { ok: true, edits: [], files: [] };
      const pending = remoteChecks(client, { noCheckerGraceMs: 1_500 }).run(view, plan, 'sleep 30', 60_000, undefined, 'r1/t1.p1.check');
      await until('the check to be taken', async () => ((await client.xLen(resultsKey('r1/t1.p1.check'))) > 0 ? true : undefined));
      stop.abort(); // the worker stops: its check is cut, unanswered, and it leaves the registry
      await running;
      await assert.rejects(pending, (e: Error) => e instanceof TeamCheckError && /no live team worker takes check jobs/.test(e.message));
    });

    it('a cancelled run withdraws its check: the worker stops it at its next renewal and acknowledges it with no result; a resume publishes it again', async () => {
      const lines: string[] = [];
      const stop = new AbortController();
      const checks = { host: { env: process.env, pass: [] }, dependencies: undefined, redactor: Redactor.fromEnv({}), concurrency: 1 };
      const running = runWorker(client, { models: () => undefined, concurrency: 1, checks, leaseMs: 1_500, log: (l) => lines.push(l), signal: stop.signal });
      await until('the checker to announce itself', async () => ((await client.sMembers('codecompanion:workers')).length > 0 ? true : undefined));
      const view = new WorkspaceView(sampleWorkspace());
      const plan = { ok: true, edits: [], files: [] };
      const cancel = new AbortController();
      const pending = remoteChecks(client).run(view, plan, 'sleep 600', 900_000, cancel.signal, 'r2/t1.p1.check');
      await until('the check to be taken', () => lines.some((l) => l.startsWith('r2/t1.p1.check: taken')));
      cancel.abort(new Error('cancelled by the user'));
      await assert.rejects(pending, /cancelled by the user/);
      await until('the worker to stop the check', () => lines.some((l) => l === 'r2/t1.p1.check: withdrawn by its run (cancelled): stopped, acknowledged without a result'));
      assert.equal((await client.xPending(CHECKS_STREAM, 'workers')).pending, 0);
      const entries = ((await client.xRange(resultsKey('r2/t1.p1.check'), '-', '+')) as Array<{ message: Record<string, string> }>).map((m) => decodeEntry(m.message.entry));
      assert.ok(!entries.some((e) => e.type === 'report' || e.type === 'error'), 'no result was written');
      // resumed: published again, run, answered
      const report = await remoteChecks(client).run(view, plan, 'true', 60_000, undefined, 'r2/t1.p1.check');
      assert.equal(report.passed, true);
      assert.equal(report.command, 'true');
      stop.abort();
      await running;
    });

    it('a check job that does not match the schema is refused with the reason, and the run gets it', async () => {
      const stop = new AbortController();
      const running = runWorker(client, { models: () => undefined, concurrency: 1, checks: { host: { env: process.env, pass: [] }, dependencies: undefined, redactor: Redactor.fromEnv({}), concurrency: 1 }, log: () => undefined, signal: stop.signal });
      await until('the checker to announce itself', async () => ((await client.sMembers('codecompanion:workers')).length > 0 ? true : undefined));
      await client.xAdd(CHECKS_STREAM, '*', { job: JSON.stringify({ kind: 'check', callKey: 'r/bad.check', command: '', timeoutMs: 1000, archive: '' }) });
      const view = new WorkspaceView(sampleWorkspace());
      const plan = { ok: true, edits: [], files: [] };
      await assert.rejects(remoteChecks(client).run(view, plan, 'true', 1_000, undefined, 'r/bad.check'), (e: Error) => e instanceof TeamCheckError && /refused the job: a check job does not match the schema: command/.test(e.message));
      stop.abort();
      await running;
    });
  });

  describe('the staged workspace archive', () => {
    const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cc-archive-'));
    const pack = (archive: unknown) => zlib.gzipSync(JSON.stringify(archive));

    it('round-trips files, executable bits and inside links, with the staged changes on top; a link leading out is left out', () => {
      const src = tmp();
      fs.mkdirSync(path.join(src, 'src'));
      fs.writeFileSync(path.join(src, 'src/a.js'), 'module.exports = 1;\n');
      fs.writeFileSync(path.join(src, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
      fs.writeFileSync(path.join(src, 'bin.dat'), Buffer.from([0, 255, 1, 254]));
      fs.symlinkSync('src/a.js', path.join(src, 'alias.js'));
      fs.symlinkSync('/etc/passwd', path.join(src, 'out'));
      fs.writeFileSync(path.join(src, 'gone.txt'), 'deleted by the plan\n');
      fs.mkdirSync(path.join(src, '.git'));
      fs.writeFileSync(path.join(src, '.git/HEAD'), 'ref: refs/heads/main\n');
      const plan = { ok: true, edits: [], files: [
        { action: 'modify', path: 'run.sh', before: '', after: '#!/bin/sh\necho patched\n' },
        { action: 'create', path: 'src/new/b.js', before: null, after: 'module.exports = 2;\n' },
        { action: 'delete', path: 'gone.txt', before: 'deleted by the plan\n', after: null },
      ] } as unknown as PatchPlan;
      const dest = tmp();
      const refused = unpackFolder(packWorkspace(new WorkspaceView(src), plan), dest);
      assert.deepEqual(refused, []);
      assert.equal(fs.readFileSync(path.join(dest, 'alias.js'), 'utf8'), 'module.exports = 1;\n');
      assert.ok(fs.lstatSync(path.join(dest, 'alias.js')).isSymbolicLink());
      assert.equal(fs.readFileSync(path.join(dest, 'run.sh'), 'utf8'), '#!/bin/sh\necho patched\n');
      assert.equal(fs.readFileSync(path.join(dest, 'src/new/b.js'), 'utf8'), 'module.exports = 2;\n');
      assert.ok(!fs.existsSync(path.join(dest, 'gone.txt')));
      assert.ok(!fs.existsSync(path.join(dest, '.git')));
      assert.deepEqual([...fs.readFileSync(path.join(dest, 'bin.dat'))], [0, 255, 1, 254]);
      assert.ok(fs.statSync(path.join(dest, 'run.sh')).mode & 0o100);
      assert.ok(!(fs.statSync(path.join(dest, 'src/a.js')).mode & 0o100));
      assert.ok(!fs.existsSync(path.join(dest, 'out')));
    });

    it('hostile archives: paths leaving the folder and relative links leading out are refused', () => {
      assert.throws(() => unpackFolder(pack({ files: [{ p: '../escape.txt', x: false, d: '' }], links: [] }), tmp()), (e: Error) => e instanceof JobError && /a path must stay inside the folder/.test(e.message));
      assert.throws(() => unpackFolder(pack({ files: [{ p: '/etc/x', x: false, d: '' }], links: [] }), tmp()), JobError);
      const dest = tmp();
      assert.deepEqual(unpackFolder(pack({ files: [], links: [{ p: 'a/up', l: '../../..' }] }), dest), ['a/up']);
      assert.throws(() => unpackFolder(Buffer.from('not gzip'), tmp()), (e: Error) => e instanceof JobError && /does not unpack/.test(e.message));
      // a file named twice is not written through what the first one left
      assert.throws(() => unpackFolder(pack({ files: [{ p: 'x', x: false, d: '' }, { p: 'x', x: false, d: '' }], links: [] }), tmp()), /EEXIST/);
    });

    it('a staged workspace past the limit is refused with a line saying what to do', () => {
      const src = tmp();
      fs.writeFileSync(path.join(src, 'noise.bin'), crypto.randomBytes(MAX_CHECK_ARCHIVE_BYTES + 1024));
      assert.throws(() => packWorkspace(new WorkspaceView(src)), (e: Error) => e instanceof JobError && /packs to 5\.0 MiB, past the 5\.0 MiB limit of a check job: run the check locally \(without --remote-checks\)/.test(e.message));
      assert.throws(() => encodeCheckJob({ kind: 'check', callKey: 'r/c.check', command: 'true', timeoutMs: 1000, archive: 'x'.repeat(MAX_CHECK_ARCHIVE_BYTES * 2) }), /archive/);
    });
  });
});

/** What the run's patch.applied events say went wrong, for a failure message (exit 1 is an apply failure). */
function whyNotApplied(out: string): string {
  const events = jsonLines(out);
  return ofType(events, 'patch.applied')
    .filter((e) => !e.data.ok)
    .map((e) => `${e.data.patchId} not applied: ${e.data.error ?? '(no error)'}`)
    .concat(ofType(events, 'run.failed').map((e) => `run failed: ${e.data.reason}: ${e.data.message}`))
    .join('\n');
}
