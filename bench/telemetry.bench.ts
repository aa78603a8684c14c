// Tracing overhead per agent call with OpenTelemetry export on (to a loopback OTLP/HTTP collector in
// another process) against off, and what the lazily loaded SDK adds to the .vsix.
// Reproduce: npm run bench -- telemetry
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runObjective, type OrchestratorDeps } from '../src/core/orchestrator/orchestrator';
import type { ModelClient, ModelDelta, ModelRequest, PriceBook, ProviderId } from '../src/core/ports/model';
import type { Telemetry, TraceSpan } from '../src/core/ports/telemetry';
import { loadTelemetry } from '../src/telemetry/loadTelemetry';
import { telemetryConfig } from '../src/telemetry/telemetryConfig';
import { InMemoryEventStore } from '../test/fakes/inMemoryEventStore';
import { peakRssMb, percentile, rowCollector, type BenchSuite } from './harness';

const ROOT = path.resolve(__dirname, '..');

/** A zero-latency in-process team: the planner splits into `tasks` file creations, reviewers approve. */
function team(tasks: number): (provider: ProviderId) => ModelClient {
  const answer = (request: ModelRequest): unknown => {
    const system = typeof request.system === 'string' ? request.system : (request.system ?? []).map((b) => b.text).join('\n');
    if (system.includes('Role: planner'))
      return { objective: 'bench', summary: 'files', tasks: Array.from({ length: tasks }, (_, i) => ({ id: `t${i}`, title: `file ${i}`, description: `create src/f${i}.ts`, kind: 'code', files: [`src/f${i}.ts`], dependsOn: [] })) };
    if (system.includes('Role: reviewer')) return { verdict: 'approve', score: 0.9, summary: 'fine', issues: [] };
    const id = /Your task \(t(\d+)\)/.exec(JSON.stringify(request.messages))?.[1] ?? '0';
    return { summary: `create f${id}`, edits: [{ kind: 'create', path: `src/f${id}.ts`, content: `export const f${id} = ${id};\n` }] };
  };
  return (provider) => ({
    provider,
    async *stream(request): AsyncIterable<ModelDelta> {
      const text = JSON.stringify(answer(request));
      yield { type: 'text', text, attempt: 1 };
      yield { type: 'done', result: { provider, model: request.model, text, toolCalls: [], stopReason: 'end', usage: { inputTokens: 100, outputTokens: 50, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0.0001, attempts: 1 } };
    },
  });
}

const PAIRS = 40;

const prices: PriceBook = { priceOf: () => ({ input: 1, output: 1 }) };

async function timedRun(telemetry: Telemetry | undefined): Promise<{ ms: number; cpuMs: number; calls: number }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-otel-'));
  const deps: OrchestratorDeps = {
    store: new InMemoryEventStore(),
    workspaceRoot: root,
    models: team(20),
    candidates: [
      { provider: 'openai', model: 'author' },
      { provider: 'openai', model: 'reviewer' },
    ],
    prices,
    limits: { openai: { concurrency: 4 } },
    ...(telemetry ? { telemetry } : {}),
  };
  const t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const state = await runObjective(deps, { objective: 'bench', options: { explore: false } }, new AbortController().signal);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  if (state.status !== 'completed') throw new Error(`bench run ended ${state.status}`);
  fs.rmSync(root, { recursive: true, force: true });
  return { ms, cpuMs, calls: Object.keys(state.calls).length };
}

/** The collector in a child process (bench/otlpCollector.ts). */
async function startCollector(): Promise<{ url: string; spans(): Promise<number>; close(): Promise<void> }> {
  const child: ChildProcess = fork(path.join(__dirname, 'otlpCollector.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (kind: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (m.kind !== kind) return;
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`the collector exited ${code}`)));
    });
  const { url } = await next('url');
  return {
    url: String(url),
    spans: async () => {
      const answer = next('count');
      child.send('count');
      return Number((await answer).spans);
    },
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('close');
      await exited;
    },
  };
}

/** The port with a clock around every call into it (spans, their children, attributes, ends, metric points). */
function timedTelemetry(inner: Telemetry): { telemetry: Telemetry; insideNs(): bigint } {
  let ns = 0n;
  const clock = <T>(f: () => T): T => {
    const t = process.hrtime.bigint();
    try {
      return f();
    } finally {
      ns += process.hrtime.bigint() - t;
    }
  };
  const wrap = (span: TraceSpan): TraceSpan => ({
    get traceId() {
      return span.traceId;
    },
    child: (name, attributes, kind) => wrap(clock(() => span.child(name, attributes, kind))),
    set: (attributes) => clock(() => span.set(attributes)),
    fail: (errorType, message) => clock(() => span.fail(errorType, message)),
    end: () => clock(() => span.end()),
  });
  return {
    insideNs: () => ns,
    telemetry: {
      captureContent: inner.captureContent,
      span: (name, attributes, kind) => wrap(clock(() => inner.span(name, attributes, kind))),
      recordCall: (point) => clock(() => inner.recordCall(point)),
    },
  };
}

/** Compressed size of each entry, from the zip's central directory. */
function zipEntries(file: string): Map<string, number> {
  const buf = fs.readFileSync(file);
  const out = new Map<string, number>();
  for (let i = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])), at = buf.readUInt32LE(i + 16), n = buf.readUInt16LE(i + 10); n > 0; n--) {
    const nameLen = buf.readUInt16LE(at + 28);
    out.set(buf.toString('utf8', at + 46, at + 46 + nameLen), buf.readUInt32LE(at + 20));
    at += 46 + nameLen + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return out;
}

export const suite: BenchSuite = {
  name: 'telemetry',
  async run(report) {
    const out = rowCollector(report);
    out.add({ metric: 'load average (1, 5, 15 min) at start', value: os.loadavg().map((l) => l.toFixed(1)).join(' / ') });
    const collector = await startCollector();
    const handle = await loadTelemetry(telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }));
    const timed = timedTelemetry(handle.telemetry);
    for (let i = 0; i < 3; i++) {
      await timedRun(undefined);
      await timedRun(timed.telemetry);
    }
    // pairs in alternating order (off-on, on-off, ...), so that drift in the machine's load falls on both sides
    const off: number[] = [];
    const on: number[] = [];
    const added: number[] = [];
    const addedCpu: number[] = [];
    const inside: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const runs = new Map<boolean, Awaited<ReturnType<typeof timedRun>>>();
      for (const exporting of i % 2 === 0 ? [false, true] : [true, false]) {
        const before = timed.insideNs();
        runs.set(exporting, await timedRun(exporting ? timed.telemetry : undefined));
        if (exporting) inside.push(Number(timed.insideNs() - before) / 1e6 / runs.get(true)!.calls);
      }
      const a = runs.get(false)!;
      const b = runs.get(true)!;
      off.push(a.ms / a.calls);
      on.push(b.ms / b.calls);
      added.push(b.ms / b.calls - a.ms / a.calls);
      addedCpu.push(b.cpuMs / b.calls - a.cpuMs / a.calls);
    }
    await handle.shutdown();
    out.add({ metric: `per agent call, export off (p50 of ${PAIRS} runs × 41 calls)`, value: percentile(off, 50), unit: 'ms' });
    out.add({ metric: 'per agent call, export on to a loopback collector (p50)', value: percentile(on, 50), unit: 'ms' });
    out.add({ metric: 'added by tracing per call, wall (p50 of paired differences)', value: percentile(added, 50), unit: 'ms', goal: '≤ 0.2 ms' });
    out.add({ metric: 'added by tracing per call, CPU (p50 of paired differences)', value: percentile(addedCpu, 50), unit: 'ms', goal: '≤ 0.2 ms' });
    out.add({ metric: '  of which inside the tracing calls themselves (p50 per call)', value: percentile(inside, 50), unit: 'ms' });
    out.add({ metric: 'spans the collector received', value: await collector.spans() });
    await collector.close();
    out.add({ metric: 'load average (1, 5, 15 min) after', value: os.loadavg().map((l) => l.toFixed(1)).join(' / ') });

    // the .vsix as `npm run package` makes it (minified), and the SDK bundle's share of it
    const vsix = path.join(os.tmpdir(), `cc-bench-${process.pid}.vsix`);
    try {
      execFileSync(process.execPath, ['esbuild.config.mjs', '--production'], { cwd: ROOT, stdio: 'ignore' });
      execFileSync(process.execPath, [require.resolve('@vscode/vsce/vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], { cwd: ROOT, stdio: 'ignore' });
      const entries = zipEntries(vsix);
      const total = fs.statSync(vsix).size;
      const sdk = entries.get('extension/dist/telemetry.js') ?? 0;
      out.add({ metric: '.vsix with the SDK (dist/telemetry.js, loaded only when export is on)', value: total / 1e6, unit: 'MB' });
      out.add({ metric: '.vsix without it', value: (total - sdk) / 1e6, unit: 'MB' });
      out.add({ metric: 'dist/telemetry.js in the .vsix (deflated) / dist/extension.js', value: `${(sdk / 1024).toFixed(0)} KB / ${((entries.get('extension/dist/extension.js') ?? 0) / 1024).toFixed(0)} KB` });
    } catch (err) {
      out.add({ metric: '.vsix sizes', value: `not measured: ${(err as Error).message.split('\n')[0]}` });
    } finally {
      fs.rmSync(vsix, { force: true });
      execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, stdio: 'ignore' });
    }
    out.add({ metric: 'peak RSS', value: peakRssMb(), unit: 'MB' });
    return out.rows;
  },
};
