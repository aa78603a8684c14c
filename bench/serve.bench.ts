// The HTTP API: GET /health throughput, POST /runs until the run's first event is durable, and SSE
// fan-out: 200 subscribers on one run, the delay from an event being durable to each subscriber
// reading it, and the server's memory per subscriber. The subscribers run in a separate Node process
// (plain node:http clients, as other programs would be), so the server's own event loop is what is
// measured; on this 2-core machine that process still competes with the server for the cores.
// Clocks are compared as performance.timeOrigin + now() (the same wall clock in both processes).
// Reproduce: npm run bench -- serve   (the fake vendor servers answer, paced like a model)
import * as os from 'node:os';
import { spawn } from 'node:child_process';
import { createApiServer } from '../src/server/apiServer';
import { startFakeModelServer } from '../test/fakes/fakeModelServer';
import { pacedSampleTeam, sampleTeam } from '../test/fakes/sampleTeam';
import { fakeEnv, sampleWorkspace } from '../test/unit/orchestrator/helpers';
import { heapAfterGc, percentile, rowCollector, type BenchSuite } from './harness';

const TOKEN = 'BenchToken-0123456789_abcdefGHIJKLmnopqrstu';
const SUBSCRIBERS = 200;

const wallNow = () => performance.timeOrigin + performance.now();

/** The subscribers' process: SUBSCRIBERS SSE clients; each frame's id and arrival time, until the run's terminal event. */
const SUBSCRIBERS_PROCESS = `
const http = require('node:http');
const { url, token, count } = JSON.parse(process.argv[1]);
const received = [];
let connected = 0, finished = 0;
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
function subscribe() {
  const req = http.get(url, { agent, headers: { accept: 'text/event-stream', authorization: 'Bearer ' + token } }, (res) => {
    if (++connected === count) process.send({ kind: 'connected', at: performance.timeOrigin + performance.now() });
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      const at = performance.timeOrigin + performance.now();
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\\n\\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: (\\d+)$/m.exec(block);
        if (id) received.push([Number(id[1]), at]);
        if (/"type":"run\\.(completed|failed|cancelled)"/.test(block) || block.startsWith('event: ')) {
          res.destroy();
          if (++finished === count) process.send({ kind: 'done', received }, () => process.exit(0));
          return;
        }
      }
    });
  });
  req.on('error', (e) => process.send({ kind: 'error', message: String(e) }));
}
for (let i = 0; i < count; i++) subscribe();
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
        // wait for the run to end here (one writer per workspace); its review stays pending, which starts nothing
        while (server.runs.activeRunId !== undefined) await new Promise((r) => setTimeout(r, 20));
      }
      out.add({ metric: 'POST /runs → 202 with the first event durable, p50 / max of 8', value: `${percentile(starts, 50).toFixed(1)} / ${Math.max(...starts).toFixed(1)}`, unit: 'ms' });

      // SSE fan-out: the planner answers after 3 s so all subscribers are connected before the run streams
      models.respond((req) => ({ ...pacedSampleTeam(20)(req), ...(req.system.includes('planner') ? { delayMs: 3_000 } : {}) }) as ReturnType<typeof sampleTeam>);
      const res = await fetch(`${url}/runs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ objective: 'add pagination to the users API' }) });
      const { runId } = (await res.json()) as { runId: string };
      const durableAt = new Map<number, number>();
      server.runs.subscribe(runId, (e) => durableAt.set(e.seq, wallNow()));
      const heapBefore = heapAfterGc();
      const clients = spawn(process.execPath, ['-e', SUBSCRIBERS_PROCESS, JSON.stringify({ url: `${url}/runs/${runId}/events`, token: TOKEN, count: SUBSCRIBERS })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      let connectedAt = 0;
      // registered after the fan-out's own listener: its microtask runs once the fan-out has written the event to every socket
      const writtenAt = new Map<number, number>();
      let heapPerSubscriber = NaN;
      const received = await new Promise<Array<[number, number]>>((resolve, reject) => {
        clients.on('message', (m: { kind: string; at?: number; received?: Array<[number, number]>; message?: string }) => {
          if (m.kind === 'connected') {
            connectedAt = m.at!;
            server.runs.subscribe(runId, (e) => queueMicrotask(() => writtenAt.set(e.seq, wallNow())));
            heapPerSubscriber = (heapAfterGc() - heapBefore) / SUBSCRIBERS;
          } else if (m.kind === 'done') resolve(m.received!);
          else reject(new Error(m.message));
        });
        clients.on('error', reject);
        clients.on('exit', (code) => (code ? reject(new Error(`the subscribers' process exited ${code}`)) : undefined));
      });
      if (clients.exitCode === null) clients.kill();
      const delays = received.filter(([seq]) => (durableAt.get(seq) ?? 0) > connectedAt).map(([seq, at]) => at - durableAt.get(seq)!);
      out.add({ metric: `SSE fan-out, ${SUBSCRIBERS} subscribers in another process: deliveries measured`, value: delays.length });
      out.add({ metric: 'SSE delivery delay after durable, p50 / p99', value: `${percentile(delays, 50).toFixed(2)} / ${percentile(delays, 99).toFixed(2)}`, unit: 'ms', goal: 'p99 ≤ 50 ms' });
      const written = [...writtenAt].filter(([seq]) => durableAt.has(seq)).map(([seq, at]) => at - durableAt.get(seq)!);
      out.add({ metric: `  of which the server: durable → written to all ${SUBSCRIBERS} sockets, p50 / p99`, value: `${percentile(written, 50).toFixed(2)} / ${percentile(written, 99).toFixed(2)}`, unit: 'ms' });
      out.add({ metric: 'server JS heap per connected SSE subscriber (after a full GC)', value: (heapPerSubscriber / 1024).toFixed(1), unit: 'KiB' });
      out.add({ metric: 'load average at end (1 / 5 / 15 min)', value: load() });
    } finally {
      await server.close();
      await models.close();
    }
    return out.rows;
  },
};
