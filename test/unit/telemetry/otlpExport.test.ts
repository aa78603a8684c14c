// Traces and metrics of a real run (the CLI, the real vendor SDKs against the fake servers, the
// real OpenTelemetry SDK) as a loopback OTLP/HTTP collector receives them.
import { strict as assert } from 'node:assert';
import { runCli } from '../../helpers/cliRunner';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../fakes/otlpReceiver';
import { fakeEnv, jsonLines, ofType, sampleTeamServer, sampleWorkspace } from '../orchestrator/helpers';

const OBJECTIVE = 'add pagination to the users API';
const MODELS = 'anthropic:claude-sonnet-4-6,openai:gpt-5-mini';

describe('telemetry: OpenTelemetry export of a run', function () {
  this.timeout(120_000);
  const server = sampleTeamServer();
  let receiver: OtlpReceiver;
  beforeEach(async () => (receiver = await startOtlpReceiver()));
  afterEach(() => receiver.close());

  async function tracedRun(extraEnv: NodeJS.ProcessEnv = {}) {
    const env = { ...fakeEnv(server()), CODECOMPANION_MODELS: MODELS, CODECOMPANION_FALLBACK: 'gemini:gemini-2.5-flash', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...extraEnv };
    const r = await runCli(['run', OBJECTIVE, '--cwd', sampleWorkspace(), '--check', 'node --test', '--reviewers', '2', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    return jsonLines(r.stdout);
  }

  it('exports the span tree run → tasks → calls, with retry and failover spans under a faulted call, and the GenAI metrics', async () => {
    // the planner's provider answers 503 four times (every retry): its call fails over to gemini
    server().enqueue(...Array.from({ length: 4 }, () => ({ fault: 'server' as const, status: 503 as const })));
    const events = await tracedRun();
    const spans = receiver.spans();
    assert.ok(receiver.bodies.every((b) => b.contentType.includes('application/json')));

    // one trace, recorded in the run's events
    const traced = ofType(events, 'run.traced');
    assert.equal(traced.length, 1);
    assert.deepEqual([...new Set(spans.map((s) => s.traceId))], [traced[0]!.data.traceId]);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parent = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);

    const roots = spans.filter((s) => !s.parentSpanId);
    assert.deepEqual(roots.map((s) => s.name), ['invoke_workflow codecompanion']);
    const root = roots[0]!;
    assert.equal(root.attributes['gen_ai.operation.name'], 'invoke_workflow');
    assert.equal(root.attributes['codecompanion.run.id'], events[0]!.runId);
    assert.equal(root.resource['service.name'], 'codecompanion');

    // tasks under the run
    const tasks = spans.filter((s) => s.name.startsWith('task '));
    assert.deepEqual(tasks.map((s) => s.name).sort(), ['task document-api', 'task paginate-users', 'task plan', 'task test-pagination']);
    for (const t of tasks) assert.equal(t.parentSpanId, root.spanId, t.name);

    // one client span per agent call that reached a model, each under its task (reviewers under their review)
    const calls = spans.filter((s) => s.name.startsWith('chat '));
    const finished = ofType(events, 'agent.call.finished');
    assert.equal(calls.length, finished.length);
    for (const f of finished) {
      const span = calls.find((c) => c.attributes['codecompanion.call.id'] === f.data.callId);
      assert.ok(span, `a span for ${f.data.callId}`);
      assert.equal(span.kind, 3, 'client');
      assert.equal(span.attributes['gen_ai.operation.name'], 'chat');
      assert.equal(span.attributes['gen_ai.response.model'], f.data.model);
      assert.equal(span.attributes['gen_ai.usage.input_tokens'], f.data.usage.inputTokens);
      assert.equal(span.attributes['gen_ai.usage.output_tokens'], f.data.usage.outputTokens);
      assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
      let up = parent(span)!;
      if (up.name === 'review') up = parent(up)!;
      assert.equal(up.name, `task ${f.data.taskId}`, f.data.callId);
    }

    // the faulted planner call: three retries and a failover under it, with their errors
    const plan = calls.find((c) => c.attributes['codecompanion.call.id'] === 'plan.a1')!;
    const requested = String(plan.attributes['gen_ai.request.model']);
    assert.ok(MODELS.includes(requested));
    assert.equal(plan.attributes['gen_ai.response.model'], 'gemini-2.5-flash');
    assert.equal(plan.attributes['gen_ai.provider.name'], requested.startsWith('claude') ? 'anthropic' : 'openai');
    assert.equal(plan.attributes['codecompanion.attempts'], 5);
    const under = spans.filter((s) => s.parentSpanId === plan.spanId);
    assert.deepEqual(under.map((s) => s.name), ['retry', 'retry', 'retry', 'failover']);
    for (const r of under.slice(0, 3)) {
      assert.equal(r.attributes['error.type'], 'server');
      assert.equal(r.status.code, 2, 'error status');
      assert.equal(r.status.message, undefined, 'error messages can quote model output: exported only with content capture');
      assert.equal(r.attributes['codecompanion.after_error'], 'server');
      assert.ok(Number(r.attributes['codecompanion.retry.wait_ms']) > 0);
    }
    const failover = under[3]!;
    assert.equal(failover.attributes['codecompanion.failover.to'], 'gemini/gemini-2.5-flash');
    assert.equal(failover.attributes['gen_ai.provider.name'], 'gcp.gemini');
    assert.equal(failover.attributes['error.type'], undefined, 'the failover attempt succeeded');

    // the check command, reviews and consensus decisions
    const checks = spans.filter((s) => s.name === 'check');
    assert.equal(checks.length, ofType(events, 'patch.validated').filter((v) => v.data.testArtifactId).length);
    const failedCheck = checks.find((c) => c.attributes['codecompanion.patch.id'] === 'paginate-users.r1')!;
    assert.equal(failedCheck.attributes['codecompanion.check.passed'], false);
    assert.equal(failedCheck.attributes['process.exit.code'], 1);
    const consensus = spans.filter((s) => s.name === 'consensus');
    const reached = ofType(events, 'consensus.reached').filter((c) => c.data.reason !== 'validation failed: not reviewed');
    assert.deepEqual(consensus.map((c) => `${c.attributes['codecompanion.patch.id']}:${c.attributes['codecompanion.consensus.decision']}`).sort(), reached.map((c) => `${c.data.patchId}:${c.data.decision}`).sort());
    const reviews = spans.filter((s) => s.name === 'review');
    assert.ok(reviews.length > 0);
    for (const r of reviews) {
      const verdicts = ofType(events, 'review.verdict').filter((v) => v.data.patchId === r.attributes['codecompanion.patch.id']);
      assert.equal(spans.filter((s) => s.parentSpanId === r.spanId && s.name.startsWith('chat ')).length, verdicts.length);
      assert.deepEqual(r.attributes['codecompanion.review.verdicts'], verdicts.map((v) => v.data.verdict));
    }

    // metrics: the conventions' histograms and our cost counter agree with the events
    const lastMetrics = receiver.bodies.filter((b) => b.path === '/v1/metrics').length;
    assert.ok(lastMetrics >= 1);
    const points = receiver.metricPoints();
    const tokens = points.filter((p) => p.metric === 'gen_ai.client.token.usage');
    assert.ok(tokens.every((p) => p.unit === '{token}' && p.kind === 'histogram'));
    const sum = (type: string) => tokens.filter((p) => p.attributes['gen_ai.token.type'] === type).reduce((n, p) => n + p.value, 0);
    assert.equal(sum('input'), finished.reduce((n, f) => n + f.data.usage.inputTokens, 0));
    assert.equal(sum('output'), finished.reduce((n, f) => n + f.data.usage.outputTokens, 0));
    const durations = points.filter((p) => p.metric === 'gen_ai.client.operation.duration');
    assert.ok(durations.every((p) => p.unit === 's'));
    assert.equal(durations.reduce((n, p) => n + p.count, 0), finished.length);
    assert.ok(durations.every((p) => p.attributes['gen_ai.operation.name'] === 'chat' && typeof p.attributes['gen_ai.request.model'] === 'string'));
    const cost = points.filter((p) => p.metric === 'codecompanion.client.cost').reduce((n, p) => n + p.value, 0);
    const spent = finished.reduce((n, f) => n + (f.data.costUsd ?? 0), 0);
    assert.ok(spent > 0 && Math.abs(cost - spent) < 1e-9, `${cost} vs ${spent}`);
  });

  it('puts no prompt or completion text in any exported byte unless content capture is on', async () => {
    await tracedRun();
    const exported = Buffer.concat(receiver.bodies.map((b) => b.raw)).toString('utf8');
    assert.ok(receiver.spans().length > 10);
    for (const text of [OBJECTIVE, 'Role: coder', 'listUsersPage', 'README']) assert.ok(!exported.includes(text), `"${text}" was exported`);

    const captured = await startOtlpReceiver();
    try {
      await tracedRun({ OTEL_EXPORTER_OTLP_ENDPOINT: captured.url, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' });
      const plan = captured.spans().find((s) => s.attributes['codecompanion.call.id'] === 'plan.a1')!;
      assert.match(String(plan.attributes['gen_ai.input.messages']), /add pagination to the users API/);
      assert.match(String(plan.attributes['gen_ai.output.messages']), /paginate-users/);
    } finally {
      await captured.close();
    }
  });

  it('with export off: no run.traced event and no connection attempted, even to the default OTLP port', async () => {
    // 4318 is where an SDK left to its defaults would send; hold it so a stray export would be seen
    const standard = await startOtlpReceiver(4318).catch(() => undefined);
    try {
      const off = await runCli(['run', OBJECTIVE, '--cwd', sampleWorkspace(), '--json'], { env: { ...fakeEnv(server()), CODECOMPANION_MODELS: MODELS } });
      assert.equal(off.code, 0, off.stderr);
      const disabled = await runCli(['run', OBJECTIVE, '--cwd', sampleWorkspace(), '--json'], { env: { ...fakeEnv(server()), CODECOMPANION_MODELS: MODELS, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SDK_DISABLED: 'true' } });
      assert.equal(disabled.code, 0, disabled.stderr);
      for (const r of [off, disabled]) assert.equal(ofType(jsonLines(r.stdout), 'run.traced').length, 0);
      assert.equal(receiver.connections, 0);
      if (standard) assert.equal(standard.connections, 0);
    } finally {
      await standard?.close();
    }
  });
});
