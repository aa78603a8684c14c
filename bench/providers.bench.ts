// Provider adapters through the real SDKs against the loopback fake server:
// - overhead: from the fake server writing the first byte of the SSE body to the first delta out
//   of our streaming interface (SDK parsing + adapter + resilient client), p50/p95 per vendor;
// - fault soak: 1,000 calls with 20% of requests faulted (429, 5xx, stall, cut, malformed, 400),
//   every call must end in a result or a one-line ModelError, and usage must be counted exactly
//   once per billed attempt (sum over results and errors == what the server billed).
// Reproduce: npx tsx bench/run.ts providers
import { ModelError, type ModelClient, type ModelDelta, type Usage } from '../src/core/ports/model';
import { createProviderRegistry } from '../src/providers/registry';
import { mulberry32 } from '../src/core/router/router';
import { startFakeModelServer, type FakeModelServer, type FakeReply, type FakeRequest } from '../test/fakes/fakeModelServer';
import { percentile, peakRssMb, rowCollector, type BenchSuite } from './harness';
import { FAKE_KEYS } from '../test/fakes/fakeKeys';

const VENDORS = [
  ['anthropic', 'claude-sonnet-4-6'],
  ['openai', 'gpt-5-mini'],
  ['gemini', 'gemini-2.5-flash'],
] as const;

function registryFor(server: FakeModelServer, retry: Parameters<typeof createProviderRegistry>[0]['retry']) {
  return createProviderRegistry({
    providers: {
      anthropic: { apiKey: FAKE_KEYS.anthropic, baseUrl: server.urls.anthropic },
      openai: { apiKey: FAKE_KEYS.openai, baseUrl: server.urls.openai },
      gemini: { apiKey: FAKE_KEYS.gemini, baseUrl: server.urls.gemini },
    },
    ...(retry ? { retry } : {}),
  });
}

async function overhead(server: FakeModelServer, client: ModelClient, model: string, calls: number): Promise<number[]> {
  const samples: number[] = [];
  server.respond(() => ({ text: 'Paginate the users list with a page and a page size.', chunks: 8 }));
  for (let i = 0; i < calls + 20; i++) {
    const before = server.requests.length;
    let firstDeltaAt: number | undefined;
    for await (const delta of client.stream({ model, messages: [{ role: 'user', content: `call ${i}` }], maxOutputTokens: 256 })) {
      if (firstDeltaAt === undefined && delta.type === 'text') firstDeltaAt = performance.now();
    }
    const firstByteAt = server.requests[before]!.firstByteAt!;
    if (i >= 20) samples.push(firstDeltaAt! - firstByteAt); // the first 20 warm up the JIT and the sockets
  }
  server.respond(undefined);
  return samples;
}

const FAULTS: ((random: () => number) => FakeReply)[] = [
  () => ({ fault: 'rate_limit', retryAfterSeconds: 0 }),
  (r) => ({ fault: 'server', status: ([500, 503, 529] as const)[Math.floor(r() * 3)]! }),
  (r) => ({ fault: 'cut', afterChunks: 1 + Math.floor(r() * 3), text: 'an answer that the connection will cut' }),
  () => ({ fault: 'stall', afterChunks: 1, text: 'an answer that will stall' }),
  () => ({ fault: 'malformed' }),
  () => ({ fault: 'http', status: 400, message: 'invalid request' }),
];

interface SoakResult {
  ok: number;
  failed: Map<string, number>;
  unclear: number;
  counted: Usage;
  billed: Usage;
  faulted: number;
  requests: number;
  ms: number;
}

async function soak(server: FakeModelServer, calls: number, faultRate: number, concurrency: number): Promise<SoakResult> {
  const random = mulberry32(42);
  let faulted = 0;
  server.reset();
  server.respond((_req: FakeRequest) => {
    if (random() >= faultRate) return { text: 'a fine answer', chunks: 3 };
    faulted++;
    return FAULTS[Math.floor(random() * FAULTS.length)]!(random);
  });
  const registry = registryFor(server, { baseDelayMs: 2, maxDelayMs: 20, stallMs: 150, maxAttempts: 4, deadlineMs: 30_000 });
  const result: SoakResult = { ok: 0, failed: new Map(), unclear: 0, counted: zero(), billed: zero(), faulted: 0, requests: 0, ms: 0 };
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      const i = next++;
      const [provider, model] = VENDORS[i % VENDORS.length]!;
      try {
        let done: Extract<ModelDelta, { type: 'done' }> | undefined;
        for await (const d of registry.client(provider)!.stream({ model, messages: [{ role: 'user', content: `soak ${i}` }], maxOutputTokens: 128 })) if (d.type === 'done') done = d;
        if (!done) result.unclear++;
        else {
          result.ok++;
          add(result.counted, done.result.usage);
        }
      } catch (err) {
        // a clear error: a ModelError with a one-line message
        if (!(err instanceof ModelError) || err.message.includes('\n') || err.message.length === 0) result.unclear++;
        else {
          result.failed.set(err.kind, (result.failed.get(err.kind) ?? 0) + 1);
          if (err.details.usage) add(result.counted, err.details.usage);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  result.ms = performance.now() - started;
  for (const u of server.billed) add(result.billed, { inputTokens: u.input, outputTokens: u.output, cacheReadTokens: u.cacheRead, cacheWriteTokens: u.cacheWrite });
  result.faulted = faulted;
  result.requests = server.requests.length;
  server.respond(undefined);
  return result;
}

const zero = (): Usage => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
function add(into: Usage, u: Usage): void {
  const m = into as { -readonly [K in keyof Usage]: number };
  m.inputTokens += u.inputTokens;
  m.outputTokens += u.outputTokens;
  m.cacheReadTokens += u.cacheReadTokens;
  m.cacheWriteTokens += u.cacheWriteTokens;
}

export const suite: BenchSuite = {
  name: 'providers',
  async run(report) {
    const out = rowCollector(report);
    const server = await startFakeModelServer();
    try {
      const registry = registryFor(server, undefined);
      for (const [provider, model] of VENDORS) {
        const samples = await overhead(server, registry.client(provider)!, model, 300);
        out.add({ metric: `${provider}: first SSE byte → first delta, p50`, value: percentile(samples, 50), unit: 'ms', goal: '≤ 2 ms' });
        out.add({ metric: `${provider}: first SSE byte → first delta, p95`, value: percentile(samples, 95), unit: 'ms' });
      }
      const s = await soak(server, 1000, 0.2, 8);
      out.add({ metric: 'soak: calls / requests / faulted (p=0.2 per request)', value: `1000 / ${s.requests} / ${s.faulted} (${((100 * s.faulted) / s.requests).toFixed(1)}%)` });
      out.add({ metric: 'soak: succeeded', value: s.ok });
      out.add({ metric: 'soak: failed with a clear error (by kind)', value: `${[...s.failed.values()].reduce((a, b) => a + b, 0)} (${[...s.failed].map(([k, n]) => `${k} ${n}`).join(', ')})` });
      out.add({ metric: 'soak: ended without a result or a clear error', value: s.unclear, goal: '0' });
      const same = JSON.stringify(s.counted) === JSON.stringify(s.billed);
      out.add({ metric: 'soak: usage counted == usage billed by the server', value: same ? `yes (${s.billed.inputTokens} in, ${s.billed.outputTokens} out)` : `NO: counted ${JSON.stringify(s.counted)} billed ${JSON.stringify(s.billed)}`, goal: 'yes' });
      out.add({ metric: 'soak: wall time at concurrency 8', value: s.ms / 1000, unit: 's' });
      out.add({ metric: 'peak RSS', value: peakRssMb(), unit: 'MB' });
    } finally {
      await server.close();
    }
    return out.rows;
  },
};
