// Reliability under attack and accident, measured on real processes:
// - kill -9 at random moments while a writer appends events: acknowledged events lost (goal 0);
// - a budgeted `codecompanion run` (dist/cli.js, real SDKs against the loopback fake vendors) SIGKILLed
//   in the middle of a model call and resumed, over and over: what the vendors billed against the budget
//   (goal: never above the budget plus one reservation);
// - hostile models whose tests hunt for keys (bench/keyScan.ts): key bytes found in what was stored,
//   printed and sent, raw or encoded (goal 0), with bubblewrap and without;
// - the fast-check fuzz suites (test/unit/fuzz): generated inputs per target, and whether all held.
// Reproduce: npm run bench -- security   (CC_SECURITY_CYCLES=N changes the cycle counts)
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import Mocha from 'mocha';
import { projectRun } from '../src/core/orchestrator/runState';
import { parseEvent } from '../src/core/events';
import { PricingTable, costOf } from '../src/providers/pricing';
import { openWorkspaceDatabase } from '../src/storage/workspaceDatabase';
import { openStore } from '../src/app/openStore';
import { startFakeModelServer, type FakeModelServer, type FakeRequest } from '../test/fakes/fakeModelServer';
import { pacedSampleTeam, sampleTeam } from '../test/fakes/sampleTeam';
import { fuzzInputs } from '../test/unit/fuzz/budget';
import { rowCollector, type BenchSuite } from './harness';
import { KEY_HUNTERS, scanHostileRun } from './keyScan';
import { containment } from '../src/core/sandbox/containment';

const ROOT = path.resolve(__dirname, '..');
const CYCLES = Number(process.env.CC_SECURITY_CYCLES ?? 24);
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A deterministic sequence, so two runs of the bench kill at the same moments. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function lines(child: ChildProcess, onLine: (line: string) => void): Promise<number | null> {
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const l of parts) onLine(l);
  });
  child.stderr!.resume();
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

/** kill -9 a writer at random moments; every event it acknowledged must be there after reopening. */
async function killNineCycles(cycles: number): Promise<{ cycles: number; acked: number; lost: number }> {
  const out = tmp('cc-bench-crash-');
  const writerJs = path.join(out, 'crashWriter.js');
  await esbuild.build({ entryPoints: [path.join(ROOT, 'test/fakes/crashWriter.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: writerJs, logLevel: 'silent' });
  fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(out, 'sql-wasm.wasm'));
  const root = tmp('cc-bench-crash-ws-');
  const random = lcg(7);
  const acked = new Set<string>();
  for (let i = 0; i < cycles; i++) {
    const child = spawn(process.execPath, [writerJs, root, `run-${i % 3}`, '100000', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let writing = false;
    const exited = lines(child, (l) => {
      if (l.startsWith('ack ')) {
        acked.add(l.slice(4));
        writing = true;
      }
    });
    while (!writing && child.exitCode === null) await sleep(5);
    await sleep(random() * 300);
    child.kill('SIGKILL');
    await exited;
  }
  const db = await openWorkspaceDatabase(root, { mode: 'write' });
  const stored = new Set(db.all<{ run_id: string; seq: number }>('SELECT run_id, seq FROM events').map((r) => `${r.run_id} ${r.seq}`));
  await db.close();
  return { cycles, acked: acked.size, lost: [...acked].filter((k) => !stored.has(k)).length };
}

/** What the vendors would bill for every chat request they received, answered in full or not. */
function billedUsd(requests: readonly FakeRequest[], prices: PricingTable): number {
  let total = 0;
  for (const req of requests) {
    if (req.kind !== 'chat') continue;
    const reply = sampleTeam(req);
    if (!('json' in reply)) continue;
    const u = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, ...reply.usage };
    const provider = req.vendor;
    total += costOf({ inputTokens: u.input, outputTokens: u.output, cacheReadTokens: u.cacheRead, cacheWriteTokens: u.cacheWrite }, prices.priceOf(provider, req.model)) ?? 0;
  }
  return total;
}

interface BudgetResult {
  readonly cycles: number;
  readonly budgetUsd: number;
  readonly billedUsd: number;
  readonly bookedUsd: number;
  readonly largestHoldUsd: number;
  readonly chargedInFull: number;
  readonly status: string;
}

/** A budgeted run killed mid-call and resumed `cycles` times (or until it ends), then resumed to its end. */
async function killResumeCycles(server: FakeModelServer, cycles: number, budgetUsd: number): Promise<BudgetResult> {
  const cli = path.join(ROOT, 'dist/cli.js');
  if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: npm run bench builds it first');
  server.reset();
  server.respond(pacedSampleTeam(400));
  const root = tmp('cc-bench-budget-');
  fs.cpSync(path.join(ROOT, 'samples/workspace'), root, { recursive: true });
  const env = {
    ...process.env,
    ANTHROPIC_API_KEY: 'fake-key-bench',
    ANTHROPIC_BASE_URL: server.urls.anthropic,
    OPENAI_API_KEY: 'fake-key-bench',
    OPENAI_BASE_URL: server.urls.openai,
    GEMINI_API_KEY: 'fake-key-bench',
    GEMINI_BASE_URL: server.urls.gemini,
  };
  const random = lcg(11);
  let runId = '';
  let done = 0;
  for (; done < cycles; done++) {
    const args = runId ? ['resume', runId, '--cwd', root, '--json'] : ['run', 'add pagination to the users API', '--cwd', root, '--budget', String(budgetUsd), '--json'];
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    // kill in the 1st, 2nd or 3rd call this process starts, so the run makes some progress between kills
    const killAt = 1 + Math.floor(random() * 3);
    let started = 0;
    let inCall = false;
    const exited = lines(child, (l) => {
      if (!l.startsWith('{')) return;
      const e = JSON.parse(l) as { runId: string; type: string };
      runId ||= e.runId;
      if (e.type === 'agent.call.started' && ++started >= killAt) inCall = true;
    });
    while (!inCall && child.exitCode === null) await sleep(5);
    if (child.exitCode !== null) break; // the run ended on its own (finished, or stopped by the budget)
    await sleep(random() * 300); // mid-call: every reply takes 400 ms
    child.kill('SIGKILL');
    await exited;
  }
  if (runId) {
    const last = spawn(process.execPath, [cli, 'resume', runId, '--cwd', root, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    await lines(last, () => undefined);
  }
  const opened = await openStore(root, 'auto', 'bench');
  const events = (await opened.store.readRun(runId)).map(parseEvent);
  await opened.close();
  const state = projectRun(runId, events);
  const holds = events.filter((e) => e.type === 'budget.reserved').map((e) => (e.type === 'budget.reserved' ? e.data.amountUsd : 0));
  return {
    cycles: done,
    budgetUsd,
    billedUsd: billedUsd(server.requests, new PricingTable()),
    bookedUsd: state.cost.spentUsd,
    largestHoldUsd: Math.max(0, ...holds),
    chargedInFull: events.filter((e) => e.type === 'budget.released' && e.data.unknownUsage).length,
    status: `${state.status}${state.error ? ` (${state.error.reason})` : ''}`,
  };
}

/** The fuzz suites, run as mocha runs them; their tally says how many inputs each target got. */
async function fuzz(): Promise<{ failures: number; seconds: number }> {
  const mocha = new Mocha({ timeout: 300_000, reporter: 'dot' });
  const dir = path.join(ROOT, 'test/unit/fuzz');
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort()) mocha.addFile(path.join(dir, f));
  await mocha.loadFilesAsync();
  const started = Date.now();
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  return { failures, seconds: (Date.now() - started) / 1000 };
}

export const suite: BenchSuite = {
  name: 'security',
  async run(report) {
    const rows = rowCollector(report);
    const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
    rows.add({ metric: 'load average (1, 5, 15 min) at start', value: load() });

    const crash = await killNineCycles(CYCLES + 6);
    rows.add({ metric: `kill -9 cycles of a writer: acknowledged events lost (of ${crash.acked})`, value: `${crash.lost} in ${crash.cycles} cycles`, goal: '0' });

    const server = await startFakeModelServer();
    try {
      // a whole sample run is billed about $0.03: $0.05 binds once a few killed calls are charged in full;
      // $1 leaves room for every cycle, so the run is killed CYCLES times and then finishes
      for (const budgetUsd of [0.05, 1]) {
        const b = await killResumeCycles(server, CYCLES, budgetUsd);
        rows.add({ metric: `$${budgetUsd} run, SIGKILLed mid-call and resumed: cycles / ends`, value: `${b.cycles} / ${b.status}` });
        rows.add({ metric: `  billed by the vendors / booked in the log / budget`, value: `$${b.billedUsd.toFixed(4)} / $${b.bookedUsd.toFixed(4)} / $${b.budgetUsd}` });
        rows.add({ metric: `  over budget + one reservation ($${(b.budgetUsd + b.largestHoldUsd).toFixed(4)})?`, value: b.billedUsd > b.budgetUsd + b.largestHoldUsd ? 'YES' : 'no', goal: 'no' });
        rows.add({ metric: `  calls cut off and charged their whole hold on resume`, value: b.chargedInFull });
      }
      const cli = path.join(ROOT, 'dist/cli.js');
      // each containment level this machine has, bubblewrap first; the process-tree level always
      const levels = [
        { setting: 'auto', level: 'bubblewrap' },
        { setting: 'namespaces', level: 'namespaces' },
        { setting: 'off', level: 'process-tree' },
      ] as const;
      for (const { setting, level } of levels) {
        const c = containment({ ...process.env, CODECOMPANION_SANDBOX: setting });
        if (c.level !== level) {
          rows.add({ metric: `key hunt at the ${level} level`, value: `not measured: ${c.why ?? c.level}` });
          continue;
        }
        for (const hunter of KEY_HUNTERS) {
          const k = await scanHostileRun(server, cli, hunter.file, setting);
          rows.add({ metric: `${hunter.name}, ${level}: the test ran`, value: k.ran ? 'yes' : 'NO' });
          rows.add({ metric: `  key bytes found (raw, hex or base64): stored / printed / sent`, value: `${k.stored} / ${k.printed} / ${k.sent}`, goal: '0 / 0 / 0' });
          rows.add({ metric: `  control: chat requests whose auth header the scan finds`, value: `${k.ownKeyHeaders} of ${k.chatRequests}` });
        }
      }
    } finally {
      await server.close();
    }

    const f = await fuzz();
    for (const [target, n] of fuzzInputs()) rows.add({ metric: `fuzz inputs: ${target}`, value: n, goal: '>= 10,000' });
    rows.add({ metric: 'fuzz properties failed / wall time', value: `${f.failures} / ${f.seconds.toFixed(1)} s`, goal: '0' });
    rows.add({ metric: 'load average (1, 5, 15 min) at the end', value: load() });
    return rows.rows;
  },
};
