// Review decision latency as a user meets it, each case reported apart (issue 14's goal: p99 ≤ 50 ms):
// - in the editor's process while a CLI run writes: the window's long-lived WorkspaceStore (its reader
//   follows the run's writes), the decision handed to the run's process, which holds the writer;
// - from the CLI beside it: `codecompanion review accept|reject ID` in-process (Node's start-up
//   excluded; reported apart), asking the run's process for the review rows it needs as a new
//   process does (it never loads the database), then handing the decision over;
// - the same two with no run writing: the window opens its own writer (kept a second after a decision,
//   as the editor does), the CLI takes the writer for its command (and leaves its few records in the
//   journal at closing, a snapshot only once they add up);
// - the whole command as a new process (node dist/cli.js), beside the run and alone.
// 20 finished runs are pending review side by side, 20 hunks each, decided in turn. The run
// (bench/review/runWriter.ts) streams four calls at once, an event per call every 250 ms.
// Reproduce: npm run bench -- review   (part of npm run bench)
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../src/cli/main';
import { NodeReviewFiles } from '../src/app/review/nodeFiles';
import { ReviewService } from '../src/app/review/reviewService';
import { allHunks } from '../src/app/review/reviewState';
import { WorkspaceReviewLog } from '../src/app/review/workspaceReviewLog';
import { WorkspaceStore } from '../src/app/workspaceStore';
import { openStore } from '../src/app/openStore';
import { event, type RunEvent } from '../src/core/events';
import type { CodePatch } from '../src/core/patch/codePatch';
import { percentile, rowCollector, type BenchSuite } from './harness';

/** Finished runs pending review side by side, each a patch of HUNKS hunks in a file of its own. */
const RUNS = 20;
const HUNKS = 20;
// the cases below decide 200 + 100 + 8 + 44 + 40 + 8 = all 400 hunks, each once
const HOST_WITH_RUN = 200;
const CLI_WITH_RUN = 100;
const HOST_ALONE = 44;
const CLI_ALONE = 40;
const CLI_PROCESSES = 8;

function seedFile(root: string, file: string): CodePatch {
  const lines = Array.from({ length: HUNKS * 2 }, (_, i) => `export function f${i}(x) {\n  return x + ${i};\n}\n`);
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), lines.join('\n'));
  return { summary: 'many small edits', edits: [{ kind: 'searchReplace', path: file, blocks: Array.from({ length: HUNKS }, (_, k) => ({ search: `  return x + ${k * 2};`, replace: `  return x + ${k * 2} + 1;` })) }] };
}

function runEvents(patch: CodePatch, file: string): RunEvent[] {
  const options = { budgetUsd: null, dailyBudgetUsd: null, allowUnpriced: false, consensus: 'majority' as const, reviewersPerPatch: 1, maxRounds: 2, explore: false, seed: 1, checkCommand: null, checkTimeoutMs: 1000, apply: false };
  return [
    event('run.started', { v: 1, objective: 'bench', options }),
    event('artifact.produced', { kind: 'CodePatch', artifactId: 'a1', taskId: 'task-1', body: patch }),
    event('patch.proposed', { patchId: 'task-1.r1', taskId: 'task-1', round: 1, artifactId: 'a1', provider: 'anthropic', model: 'm', files: [file] }),
    event('patch.accepted', { patchId: 'task-1.r1', taskId: 'task-1' }),
    event('run.completed', { accepted: 1, rejected: 0, applied: 0, costUsd: 0 }),
  ];
}

async function cli(argv: string[]): Promise<number> {
  const sink = new PassThrough();
  sink.resume();
  return main({ argv, env: {}, cwd: process.cwd(), stdout: sink, stderr: sink, isTty: false, signal: new AbortController().signal });
}

/** Alternating reject / accept, as a person going through a patch does. */
async function timed(ids: readonly string[], decide: (verb: 'accept' | 'reject', id: string) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (const [i, id] of ids.entries()) {
    const t = performance.now();
    await decide(i % 2 === 0 ? 'reject' : 'accept', id);
    out.push(performance.now() - t);
  }
  return out;
}

/** What in-process leaves out: a new Node process with the bundle (and sql.js, when it opens the database) to load. */
function wholeCommands(ids: readonly string[], root: string): number[] {
  const cliJs = path.join(__dirname, '..', 'dist', 'cli.js');
  return ids.map((id, i) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [cliJs, 'review', i % 2 === 0 ? 'reject' : 'accept', id, '--cwd', root], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`dist/cli.js review exited ${r.status}: ${r.stderr}`);
    return performance.now() - t;
  });
}

const load = () => os.loadavg()[0]!.toFixed(2);

export const suite: BenchSuite = {
  name: 'review',
  async run(report) {
    const out = rowCollector(report);
    const row = (metric: string, values: number[]) => {
      out.add({ metric: `${metric}: p50 (${values.length} decisions)`, value: percentile(values, 50), unit: 'ms' });
      out.add({ metric: `${metric}: p99`, value: percentile(values, 99), unit: 'ms', goal: '<= 50 ms' });
    };
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-review-'));
    const seeded = await openStore(root, 'write', 'bench seed');
    const runIds = Array.from({ length: RUNS }, (_, r) => `run-bench-${r}`);
    for (const [r, runId] of runIds.entries()) await seeded.store.append(runId, runEvents(seedFile(root, `src/m${r}.js`), `src/m${r}.js`));
    await seeded.close();
    for (const runId of runIds) if ((await cli(['review', runId, '--cwd', root])) !== 0) throw new Error(`could not propose ${runId}`);
    const cliDecide = async (verb: 'accept' | 'reject', id: string) => {
      const code = await cli(['review', verb, id, '--cwd', root]);
      if (code > 1) throw new Error(`review exited ${code}`);
    };

    const window = new WorkspaceStore(root, 'bench window');
    const log = new WorkspaceReviewLog(root, window);
    const service = new ReviewService(new NodeReviewFiles(root), log);
    const hostDecide = async (verb: 'accept' | 'reject', id: string) => void (verb === 'reject' ? await service.reject([id], 'bench') : await service.accept([id]));
    const book = await log.load();
    const ids = runIds.flatMap((runId) => allHunks(book.runs[runId]!).map(({ hunk }) => hunk.id));
    const take = (n: number) => ids.splice(0, n);
    try {
      out.add({ metric: 'load average (1 min) at the start', value: load() });
      const writer = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'review/runWriter.ts'), root], { stdio: ['pipe', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => writer.stdout!.once('data', () => resolve()));
      try {
        row('in the editor process while a CLI run writes (handed to the run)', await timed(take(HOST_WITH_RUN), hostDecide));
        row('codecompanion review from a terminal while a CLI run writes (in-process)', await timed(take(CLI_WITH_RUN), cliDecide));
        const beside = wholeCommands(take(CLI_PROCESSES), root);
        out.add({ metric: `the whole command as a new process beside the run (node dist/cli.js review), p50 of ${beside.length}`, value: percentile(beside, 50), unit: 'ms' });
      } finally {
        writer.stdin!.end();
        await new Promise((r) => writer.once('exit', r));
      }
      out.add({ metric: 'load average (1 min) with the run', value: load() });
      row('in the editor process, no run (its own writer)', await timed(take(HOST_ALONE), hostDecide));
      await window.close();
      row('codecompanion review from a terminal, no run (takes the writer; its records stay in the journal)', await timed(take(CLI_ALONE), cliDecide));
      const whole = wholeCommands(take(CLI_PROCESSES), root);
      out.add({ metric: `the whole command as a new process (node dist/cli.js review, no run), p50 of ${whole.length}`, value: percentile(whole, 50), unit: 'ms' });
      out.add({ metric: 'load average (1 min) at the end', value: load() });
    } finally {
      await window.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
    return out.rows;
  },
};
