// Review decision latency while a CLI run writes: the run's process holds the database and appends
// an event every 20 ms; decisions come from the CLI's review command (in-process, without Node's
// start-up) and from a host process (the editor's path: follower + handoff), p50/p99 each.
// Reproduce: npm run bench -- review   (part of npm run bench)
import { spawn } from 'node:child_process';
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
import { openStore } from '../src/app/engine';
import { event, type RunEvent } from '../src/core/events';
import type { CodePatch } from '../src/core/patch/codePatch';
import { percentile, rowCollector, type BenchSuite } from './harness';

const FUNCTIONS = 400;
const DECISIONS = 100;

function seedFiles(root: string): CodePatch {
  const lines = Array.from({ length: FUNCTIONS }, (_, i) => `export function f${i}(x) {\n  return x + ${i};\n}\n`);
  fs.mkdirSync(path.join(root, 'src'), { recursive: true });
  fs.writeFileSync(path.join(root, 'src/big.js'), lines.join('\n'));
  return { summary: 'many small edits', edits: [{ kind: 'searchReplace', path: 'src/big.js', blocks: Array.from({ length: FUNCTIONS / 2 }, (_, k) => ({ search: `  return x + ${k * 2};`, replace: `  return x + ${k * 2} + 1;` })) }] };
}

function runEvents(patch: CodePatch): RunEvent[] {
  const options = { budgetUsd: null, dailyBudgetUsd: null, allowUnpriced: false, consensus: 'majority' as const, reviewersPerPatch: 1, maxRounds: 2, explore: false, seed: 1, checkCommand: null, checkTimeoutMs: 1000, apply: false };
  return [
    event('run.started', { v: 1, objective: 'bench', options }),
    event('artifact.produced', { kind: 'CodePatch', artifactId: 'a1', taskId: 'task-1', body: patch }),
    event('patch.proposed', { patchId: 'task-1.r1', taskId: 'task-1', round: 1, artifactId: 'a1', provider: 'anthropic', model: 'm', files: ['src/big.js'] }),
    event('patch.accepted', { patchId: 'task-1.r1', taskId: 'task-1' }),
    event('run.completed', { accepted: 1, rejected: 0, applied: 0, costUsd: 0 }),
  ];
}

async function cli(argv: string[]): Promise<number> {
  const sink = new PassThrough();
  sink.resume();
  return main({ argv, env: {}, cwd: process.cwd(), stdout: sink, stderr: sink, isTty: false, signal: new AbortController().signal });
}

export const suite: BenchSuite = {
  name: 'review',
  async run(report) {
    const out = rowCollector(report);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-review-'));
    const seeded = await openStore(root, 'write', 'bench seed');
    await seeded.store.append('run-bench', runEvents(seedFiles(root)));
    await seeded.close();
    if ((await cli(['review', 'run-bench', '--cwd', root])) !== 0) throw new Error('could not propose the bench run');

    const writer = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'review/runWriter.ts'), root], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => writer.stdout!.once('data', () => resolve()));
    try {
      const store = new WorkspaceStore(root, 'bench host', 0);
      const log = new WorkspaceReviewLog(root, store);
      const service = new ReviewService(new NodeReviewFiles(root), log);
      const ids = allHunks((await log.load()).runs['run-bench']!).map(({ hunk }) => hunk.id);
      const host: number[] = [];
      const fromCli: number[] = [];
      for (let i = 0; i < DECISIONS; i++) {
        const id = ids[i]!;
        const t = performance.now();
        if (i % 2 === 0) await service.reject([id], 'bench');
        else await service.accept([id]);
        host.push(performance.now() - t);
      }
      for (let i = DECISIONS; i < Math.min(ids.length, DECISIONS + DECISIONS / 2); i++) {
        const t = performance.now();
        const code = await cli(['review', i % 2 === 0 ? 'reject' : 'accept', ids[i]!, '--cwd', root]);
        fromCli.push(performance.now() - t);
        if (code > 1) throw new Error(`review exited ${code}`);
      }
      await store.close();
      out.add({ metric: `host decision while a CLI run writes, p50 (${host.length} decisions)`, value: percentile(host, 50), unit: 'ms' });
      out.add({ metric: 'host decision while a CLI run writes, p99', value: percentile(host, 99), unit: 'ms', goal: '<= 50 ms' });
      out.add({ metric: `CLI review command while a CLI run writes, p50 (${fromCli.length}, in-process)`, value: percentile(fromCli, 50), unit: 'ms' });
      out.add({ metric: 'CLI review command while a CLI run writes, p99', value: percentile(fromCli, 99), unit: 'ms', goal: '<= 50 ms' });
      out.add({ metric: 'load average (1 min) during the suite', value: os.loadavg()[0]!.toFixed(2) });
    } finally {
      writer.stdin!.end();
      await new Promise((r) => writer.once('exit', r));
      fs.rmSync(root, { recursive: true, force: true });
    }
    return out.rows;
  },
};
