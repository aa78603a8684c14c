// The HTTP API: GET /health throughput, POST /runs until the run's first event is durable, and SSE
// fan-out: 200 subscribers on one run, the delay from an event being durable to each subscriber
// reading it, and the server's memory per subscriber. Subscribers run in a worker thread (their own
// event loop, as separate clients would), clocks compared as performance.timeOrigin + now().
// Reproduce: npx tsx bench/run.ts serve   (the fake vendor servers answer, paced like a model)
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { createApiServer } from '../src/server/apiServer';
import { startFakeModelServer } from '../test/fakes/fakeModelServer';
import { pacedSampleTeam, sampleTeam } from '../test/fakes/sampleTeam';
import { fakeEnv, sampleWorkspace } from '../test/unit/orchestrator/helpers';
import { percentile, rowCollector, type BenchSuite } from './harness';

const TOKEN = 'BenchToken-0123456789_abcdefGHIJKLmnopqrstu';
const SUBSCRIBERS = 200;

const wallNow = () => performance.timeOrigin + performance.now();

const SUBSCRIBER_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, token, count } = workerData;
const received = [];
let connected = 0, ended = 0;
async function subscribe() {
  const res = await fetch(url, { headers: { accept: 'text/event-stream', authorization: 'Bearer ' + token } });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  if (++connected === count) parentPort.postMessage({ kind: 'connected', at: performance.timeOrigin + performance.now() });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const at = performance.timeOrigin + performance.now();
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\\n\\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (\\d+)$/m.exec(block);
      if (id) received.push([Number(id[1]), at]);
      if (block.startsWith('event: end')) { reader.cancel(); if (++ended === count) parentPort.postMessage({ kind: 'done', received }); return; }
    }
  }
}
for (let i = 0; i < count; i++) subscribe().catch((e) => parentPort.postMessage({ kind: 'error', message: String(e) }));
`;

export const suite: BenchSuite = {
  name: 'serve',
  async run(report) {
    const out = rowCollector(report);
    const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' / ');
    out.add({ metric: 'load average at start (1 / 5 / 15 min)', value: load() });
    const models = await startFakeModelServer();
    models.respond(sampleTeam);
    const root = sampleWorkspace();
    const server = await createApiServer({ root, env: fakeEnv(models), token: TOKEN, version: 'bench', allowCheck: false, heartbeatMs: 15_000, pollMs: 250 });
    const { url } = await server.listen(0, '127.0.0.1');
    const auth = { authorization: `Bearer ${TOKEN}` };
    try {
      // GET /health: 16 clients on keep-alive connections for 3 s
      let done = 0;
      const until = performance.now() + 3_000;
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (performance.now() < until) {
          const res = await fetch(`${url}/health`);
          await res.arrayBuffer();
          if (res.status === 200) done++;
        }
      }));
      out.add({ metric: 'GET /health, 16 keep-alive clients, requests per second', value: Math.round(done / 3), unit: 'req/s' });

      // POST /runs until its first event is durable (the 202 waits for it); the runs themselves finish in between
      const starts: number[] = [];
      for (let i = 0; i < 8; i++) {
        const t0 = performance.now();
        const res = await fetch(`${url}/runs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ objective: 'add pagination to the users API' }) });
        const body = (await res.json()) as { runId: string };
        starts.push(performance.now() - t0);
        // wait for the run to end: one writer per workspace
        const stream = await fetch(`${url}/runs/${body.runId}/events`, { headers: { ...auth, accept: 'text/event-stream' } });
        await stream.text();
      }
      out.add({ metric: 'POST /runs → 202 with the first event durable, p50 / max of 8', value: `${percentile(starts, 50).toFixed(1)} / ${Math.max(...starts).toFixed(1)}`, unit: 'ms' });

      // SSE fan-out: the planner answers after 3 s so all subscribers are connected before the run streams
      models.respond((req) => ({ ...pacedSampleTeam(20)(req), ...(req.system.includes('planner') ? { delayMs: 3_000 } : {}) }) as ReturnType<typeof sampleTeam>);
      global.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      const res = await fetch(`${url}/runs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ objective: 'add pagination to the users API' }) });
      const { runId } = (await res.json()) as { runId: string };
      const durableAt = new Map<number, number>();
      server.runs.subscribe(runId, (e) => durableAt.set(e.seq, wallNow()));
      const worker = new Worker(SUBSCRIBER_WORKER, { eval: true, workerData: { url: `${url}/runs/${runId}/events`, token: TOKEN, count: SUBSCRIBERS } });
      let connectedAt = 0;
      let heapPerSubscriber = NaN;
      const received = await new Promise<Array<[number, number]>>((resolve, reject) => {
        worker.on('message', (m: { kind: string; at?: number; received?: Array<[number, number]>; message?: string }) => {
          if (m.kind === 'connected') {
            connectedAt = m.at!;
            global.gc?.();
            heapPerSubscriber = (process.memoryUsage().heapUsed - heapBefore) / SUBSCRIBERS;
          } else if (m.kind === 'done') resolve(m.received!);
          else reject(new Error(m.message));
        });
        worker.on('error', reject);
      });
      await worker.terminate();
      const delays = received.filter(([seq]) => (durableAt.get(seq) ?? 0) > connectedAt).map(([seq, at]) => at - durableAt.get(seq)!);
      out.add({ metric: `SSE fan-out, ${SUBSCRIBERS} subscribers: deliveries measured`, value: delays.length });
      out.add({ metric: 'SSE delivery delay after durable, p50 / p99', value: `${percentile(delays, 50).toFixed(2)} / ${percentile(delays, 99).toFixed(2)}`, unit: 'ms', goal: 'p99 ≤ 50 ms' });
      out.add({ metric: 'server heap per connected SSE subscriber', value: (heapPerSubscriber / 1024).toFixed(1), unit: 'KiB' });
      out.add({ metric: 'load average at end (1 / 5 / 15 min)', value: load() });
    } finally {
      await server.close();
      await models.close();
    }
    return out.rows;
  },
};
