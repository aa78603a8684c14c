// A model call cut off in this very process (Ctrl-C, a stall, a cut stream) before its vendor reported
// the final usage books its whole hold as spent: the vendor may have billed every token up to the hold,
// and booking $0 (or only what was reported on the way) lets cancel-and-resume spend past the budget.
// Driven through the real CLI and the real SDKs against the loopback fake vendors.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseEvent } from '../../../src/core/events';
import { projectRun } from '../../../src/core/orchestrator/runState';
import { ModelError, type ModelRequest } from '../../../src/core/ports/model';
import { createProviderRegistry } from '../../../src/providers/registry';
import { FakeClock } from '../../fakes/fakeClock';
import { FAKE_KEYS } from '../../fakes/fakeKeys';
import { startFakeModelServer, type FakeModelServer } from '../../fakes/fakeModelServer';
import { runCli } from '../../helpers/cliRunner';
import { collect } from '../../helpers/modelStream';
import { cliEnv, waitFor } from '../security/execHelpers';
import { jsonLines, ofType } from './helpers';

let server: FakeModelServer;
before(async () => (server = await startFakeModelServer()));
after(() => server.close());
beforeEach(() => server.reset());

describe('budget: a call cut off in process', function () {
  this.timeout(60_000);

  it('Ctrl-C during a streaming call books the whole hold, not $0 or the usage reported so far', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-cancel-'));
    fs.writeFileSync(path.join(root, 'app.js'), 'module.exports = 1;\n');
    // every vendor starts to answer (Anthropic's first event reports the input tokens), then goes silent
    server.respond(() => ({ fault: 'stall', afterChunks: 2 }));
    const controller = new AbortController();
    const running = runCli(['run', 'add a feature', '--cwd', root, '--budget', '1', '--json', '--no-explore'], { env: cliEnv(server), signal: controller.signal });
    assert.ok(await waitFor(() => server.requests.some((r) => r.kind === 'chat'), 30_000), 'a model call went out');
    controller.abort(new Error('SIGINT'));
    const r = await running;
    assert.equal(r.code, 130, `README: 130 a run stopped by Ctrl+C (resume it); ${r.stderr}`);
    const events = jsonLines(r.stdout);
    const runId = events[0]!.runId;
    const printed = await runCli(['events', runId, '--cwd', root, '--json'], { env: cliEnv(server) });
    const stored = jsonLines(printed.stdout).map((e) => parseEvent(e));
    const holds = ofType(stored as never, 'budget.reserved');
    assert.equal(holds.length, 1, 'one call was made and cut off');
    const hold = holds[0]!.data.amountUsd;
    assert.ok(hold > 0);
    const failed = ofType(stored as never, 'agent.call.failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.data.kind, 'aborted');
    const released = ofType(stored as never, 'budget.released');
    assert.equal(released.length, 1);
    assert.equal(released[0]!.data.unknownUsage, true, 'the release says the usage is unknown');
    const state = projectRun(runId, stored);
    assert.ok(Math.abs(state.cost.spentUsd - hold) < 1e-12, `booked $${state.cost.spentUsd} for a call holding $${hold}`);
  });

  describe('the resilient client says which attempts ended without the final usage', () => {
    const clock = new FakeClock();
    const registry = (maxAttempts: number, baseUrl?: string) =>
      createProviderRegistry(
        {
          providers: {
            anthropic: { apiKey: FAKE_KEYS.anthropic, baseUrl: baseUrl ?? server.urls.anthropic },
            openai: { apiKey: FAKE_KEYS.openai, baseUrl: baseUrl ? `${baseUrl}/v1` : server.urls.openai },
            gemini: { apiKey: FAKE_KEYS.gemini, baseUrl: baseUrl ?? server.urls.gemini },
          },
          retry: { stallMs: 300, maxAttempts, baseDelayMs: 1, maxDelayMs: 1 },
        },
        { clock, random: () => 0.5 },
      );
    const request: ModelRequest = { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hello' }], maxOutputTokens: 256 };

    async function failure(stream: AsyncIterable<unknown>): Promise<ModelError> {
      try {
        for await (const _ of stream) void _;
      } catch (err) {
        assert.ok(err instanceof ModelError, String(err));
        return err;
      }
      assert.fail('the call succeeded');
    }

    it('a stalled stream (the stall timeout) is unsettled, with what was reported on the way', async () => {
      server.enqueue({ fault: 'stall', afterChunks: 2 });
      const err = await failure(registry(1).client('anthropic')!.stream(request));
      assert.equal(err.kind, 'stall');
      assert.equal(err.details.unsettled?.attempts, 1);
      assert.ok(err.details.unsettled!.reportedCostUsd > 0, 'the input tokens of message_start were reported');
      assert.equal(err.details.unsettled!.reportedCostUsd, err.details.costUsd);
    });

    it('a cut stream retried to success leaves one unsettled attempt; an HTTP error leaves none', async () => {
      server.enqueue({ fault: 'cut', afterChunks: 1 }, { text: 'fine' });
      const cut = await collect(registry(2).client('openai')!.stream({ ...request, model: 'gpt-5' }));
      assert.equal(cut.result.text, 'fine');
      assert.equal(cut.result.unsettled?.attempts, 1);
      server.enqueue({ fault: 'rate_limit' }, { text: 'fine' });
      const limited = await collect(registry(2).client('openai')!.stream({ ...request, model: 'gpt-5' }));
      assert.equal(limited.result.unsettled, undefined, 'a 429 is the vendor answering: nothing billed');
      server.enqueue({ fault: 'http', status: 400 });
      const refused = await failure(registry(1).client('anthropic')!.stream(request));
      assert.equal(refused.details.unsettled, undefined);
    });

    it('a cancel before the request goes out, or a refused connection, is not unsettled', async () => {
      const controller = new AbortController();
      controller.abort(new Error('SIGINT'));
      const cancelled = await failure(registry(1).client('anthropic')!.stream({ ...request, signal: controller.signal }));
      assert.equal(cancelled.kind, 'aborted');
      assert.equal(cancelled.details.unsettled, undefined);
      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as net.AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const refused = await failure(registry(1, `http://127.0.0.1:${port}`).client('openai')!.stream({ ...request, model: 'gpt-5' }));
      assert.equal(refused.details.unsettled, undefined, `${refused.kind}: ${refused.message}`);
    });
  });
});
