// "A year of use" (issue 13): the same operations on a workspace holding 2,500 finished runs and a
// 50k-chunk memory index, and on one holding 10 runs, in the same bench run; each target of the
// issue's table printed as met or not met, with the load average. YEAR_RUNS / YEAR_CHUNKS scale it.
// Reproduce: npm run bench -- yearOfUse
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { workspaceMemory } from '../src/app/memory';
import { openStore } from '../src/app/openStore';
import { databaseDir, memoryDirOf, SNAPSHOT_FILE } from '../src/storage/layout';
import { percentile, rowCollector, type BenchSuite } from './harness';
import { buildWorkspace, bytesOnDisk, RETENTION_DAYS, type YearStats } from './yearWorkspace';

const ROOT = path.resolve(__dirname, '..');
const SAMPLES = path.join(ROOT, 'samples');

function median(xs: number[]): number {
  return percentile(xs, 50);
}

type Probe = { openListMs: number; showMs: number; idleMb: number; searchMb: number; runs: number; searchMs: number; openMemoryMs: number; queryMs: number; searchLoopMaxMs: number; hits: number };

/** A fresh process opening the workspace: open + list, Show Run on an old run, RSS idle and after a search. */
function probe(root: string, oldRun: string): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, 'yearProbe.ts'), root, oldRun], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`probe failed: ${err}`))));
  });
}

/** `codecompanion run` from spawn until its first agent call starts (the first model request follows at once). */
function startRun(root: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const args = [path.join(ROOT, 'dist', 'cli.js'), 'run', 'add pagination to the users API', '--cwd', root, '--json', '--replay', path.join(SAMPLES, 'session.jsonl')];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', GEMINI_API_KEY: '' } });
    let out = '';
    let done = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!done && out.includes('"type":"agent.call.started"')) {
        done = true;
        resolve(performance.now() - t);
        child.kill('SIGKILL');
      }
    });
    child.on('exit', () => {
      if (!done) reject(new Error(`the run never started a call: ${out.slice(0, 500)}`));
    });
  });
}

function workspace(runs: number, chunks: number): Promise<{ root: string; stats: YearStats }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `cc-year-${runs}-`));
  fs.cpSync(path.join(SAMPLES, 'workspace'), root, { recursive: true });
  return buildWorkspace(root, runs, chunks).then((stats) => ({ root, stats }));
}

async function reviewDecisions(root: string, n: number): Promise<number[]> {
  const opened = await openStore(root, 'write', 'bench review', { retentionMs: undefined });
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      // what the editor does for one decision: remember it in the workspace memory (with the index present: queued, the index is not loaded)
      await workspaceMemory(opened.db, undefined).memory.rememberPatchDecision({
        runId: 'bench-run', objective: 'add pagination', patchId: `p-${i}`, taskTitle: 'paginate users', summary: 'adds page and limit',
        files: ['src/users.js'], decision: i % 2 ? 'accept' : 'reject', reasons: [`reason ${i}`],
      });
      times.push(performance.now() - t);
    }
  } finally {
    await opened.close();
  }
  return times;
}

/** Four calls streaming one event per 250 ms each while the writer snapshots: the event loop's delay p99. */
async function loopDelayWhileStreaming(root: string): Promise<{ p99: number; max: number; checkpointStallMs: number }> {
  const opened = await openStore(root, 'write', 'bench stream', { retentionMs: undefined });
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  let stall = 0;
  try {
    const stream = async (call: number) => {
      for (let i = 0; i < 24; i++) {
        await opened.store.append('bench-stream', [{ type: 'agent.call.streamed', data: { callId: `c${call}`, text: 'x'.repeat(30), chars: 30 } }]);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const streaming = Promise.all([0, 1, 2, 3].map(stream));
    await new Promise((r) => setTimeout(r, 2000));
    stall = (await opened.db.checkpoint()).stallMs; // the persistence a growing journal triggers
    await streaming;
  } finally {
    h.disable();
    await opened.close();
  }
  return { p99: h.percentile(99) / 1e6, max: h.max / 1e6, checkpointStallMs: stall };
}

export const suite: BenchSuite = {
  name: 'a year of use',
  async run(report) {
    const out = rowCollector(report);
    const runs = Number(process.env.YEAR_RUNS ?? 2500);
    const chunks = Number(process.env.YEAR_CHUNKS ?? 50_000);
    out.add({ metric: 'load average (1, 5, 15 min) at start', value: os.loadavg().map((x) => x.toFixed(1)).join(' ') });
    const year = await workspace(runs, chunks);
    const ten = await workspace(10, 0);
    out.add({ metric: `year workspace: runs / events / compacted runs (finished > ${RETENTION_DAYS} days ago) / memory chunks`, value: `${year.stats.runs} / ${year.stats.events} / ${year.stats.compactedRuns} / ${year.stats.chunks}` });
    out.add({ metric: 'year workspace: runs in archive files / events left in the in-memory database', value: `${year.stats.archivedRuns} / ${year.stats.eventsInDatabase}` });
    out.add({ metric: 'year workspace: build (not a measured operation)', value: Math.round(year.stats.buildMs), unit: 'ms' });
    const mb = (b: number) => +(b / 1e6).toFixed(1);
    const disk = bytesOnDisk(year.root);
    const after = disk.events;
    out.add({ metric: 'database size on disk after retention (runs > 30 days compacted)', value: mb(after), unit: 'MB' });
    out.add({ metric: 'database size on disk before retention (estimate: + the folded events’ rows)', value: mb(after + year.stats.removedBytes + year.stats.removedEvents * 40), unit: 'MB' });
    out.add({ metric: `memory index's own database on disk (${chunks} chunks, .codecompanion/memory/)`, value: mb(disk.memory), unit: 'MB' });
    const memorySnapshot = path.join(memoryDirOf(databaseDir(year.root)), SNAPSHOT_FILE);
    out.add({ metric: 'of which the image a search loads into sql.js (the rest: text and vectors in the blob file)', value: mb(fs.existsSync(memorySnapshot) ? fs.statSync(memorySnapshot).size : 0), unit: 'MB' });
    out.add({ metric: '10-run workspace: database size on disk', value: mb(bytesOnDisk(ten.root).events), unit: 'MB' });

    const yearProbes: Probe[] = [];
    const tenProbes = [];
    for (let i = 0; i < 3; i++) {
      yearProbes.push(await probe(year.root, year.stats.oldRunId));
      tenProbes.push(await probe(ten.root, ten.stats.oldRunId));
    }
    const yOpen = median(yearProbes.map((p) => p.openListMs));
    const tOpen = median(tenProbes.map((p) => p.openListMs));
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    out.add({ metric: 'open + list runs: 10 runs (fresh process, median of 3)', value: +tOpen.toFixed(1), unit: 'ms' });
    out.add({ metric: `open + list runs: ${runs} runs`, value: +yOpen.toFixed(1), unit: 'ms' });
    out.add({ metric: 'open + list: ratio ≤ 1.2 and ≤ 150 ms', value: `${(yOpen / tOpen).toFixed(2)}× → ${verdict(yOpen / tOpen <= 1.2 && yOpen <= 150)}` });

    const yStart = [];
    const tStart = [];
    for (let i = 0; i < 3; i++) {
      yStart.push(await startRun(year.root));
      tStart.push(await startRun(ten.root));
    }
    const ys = median(yStart);
    const ts = median(tStart);
    out.add({ metric: 'start a run until the first model call: 10 runs (CLI, median of 3)', value: Math.round(ts), unit: 'ms' });
    out.add({ metric: `start a run until the first model call: ${runs} runs`, value: Math.round(ys), unit: 'ms' });
    out.add({ metric: 'start a run: ratio ≤ 1.2', value: `${(ys / ts).toFixed(2)}× → ${verdict(ys / ts <= 1.2)}` });

    const decisions = await reviewDecisions(year.root, 30);
    const d50 = percentile(decisions, 50);
    out.add({ metric: `record a review decision with ${chunks} chunks: p50 ≤ 20 ms`, value: `${d50.toFixed(1)} ms → ${verdict(d50 <= 20)}` });

    const show = median(yearProbes.map((p) => p.showMs));
    out.add({ metric: 'Show Run on an old (compacted) run, host side: ≤ 200 ms', value: `${show.toFixed(1)} ms → ${verdict(show <= 200)}` });
    const idle = median(yearProbes.map((p) => p.idleMb));
    const searched = median(yearProbes.map((p) => p.searchMb));
    out.add({ metric: 'RSS, workspace open and idle: ≤ 200 MB', value: `${idle.toFixed(0)} MB → ${verdict(idle <= 200)} (10 runs: ${median(tenProbes.map((p) => p.idleMb)).toFixed(0)} MB)` });
    out.add({ metric: 'RSS after one memory search: ≤ 400 MB', value: `${searched.toFixed(0)} MB → ${verdict(searched <= 400)}` });
    const m = (f: (p: Probe) => number) => median(yearProbes.map(f)).toFixed(1);
    out.add({ metric: `first memory search, fresh process (${chunks} chunks): open the memory database / the query / total`, value: `${m((p) => p.openMemoryMs)} / ${m((p) => p.queryMs)} / ${m((p) => p.searchMs)} ms (${yearProbes[0]!.hits} hits)` });
    out.add({ metric: 'first memory search: longest event-loop block (monitorEventLoopDelay max)', value: `${m((p) => p.searchLoopMaxMs)} ms` });

    const loop = await loopDelayWhileStreaming(year.root);
    out.add({ metric: 'event-loop delay p99 while 4 calls stream and a snapshot runs: ≤ 50 ms', value: `${loop.p99.toFixed(1)} ms → ${verdict(loop.p99 <= 50)} (max ${loop.max.toFixed(0)} ms; export() stall ${loop.checkpointStallMs.toFixed(0)} ms)` });
    out.add({ metric: 'load average (1, 5, 15 min) at end', value: os.loadavg().map((x) => x.toFixed(1)).join(' ') });
    for (const r of [year.root, ten.root]) fs.rmSync(r, { recursive: true, force: true });
    return out.rows;
  },
};
