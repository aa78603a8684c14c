// The check command's containment on a realistic workspace: this project's own sources with its
// node_modules (~35k files, ~480 MB) linked in, as a git worktree has it. Measures the scratch copy
// with and without the dependencies (the unsandboxed mode copies them; bubblewrap and the user
// namespaces level mount them read-only) and a whole check of `true` in each mode.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCheck } from '../src/core/orchestrator/checkCommand';
import { WorkspaceView } from '../src/core/orchestrator/workspaceView';
import { systemClock } from '../src/core/ports/clock';
import { containment } from '../src/core/sandbox/containment';
import { copyWorkspace } from '../src/core/sandbox/scratchCopy';
import { percentile, rowCollector, type BenchSuite } from './harness';

const ROOT = path.resolve(__dirname, '..');

function countFiles(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(path.join(dir, e.name)) : 1;
  return n;
}

export const suite: BenchSuite = {
  name: 'sandbox',
  async run(report) {
    const out = rowCollector(report);
    out.add({ metric: 'load average (1 min) at start', value: os.loadavg()[0]!.toFixed(2) });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-sandbox-'));
    try {
      const ws = path.join(work, 'ws');
      fs.mkdirSync(ws);
      for (const d of ['src', 'test', 'samples', 'webview']) fs.cpSync(path.join(ROOT, d), path.join(ws, d), { recursive: true });
      fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules')), path.join(ws, 'node_modules'));
      out.add({ metric: 'workspace files (without node_modules)', value: countFiles(ws) - 1 });
      out.add({ metric: 'node_modules files', value: countFiles(fs.realpathSync(path.join(ws, 'node_modules'))) });

      const time = (fn: () => void) => {
        const t = performance.now();
        fn();
        return performance.now() - t;
      };
      const copy = (dependencies: boolean) => {
        const dest = path.join(work, `copy-${Math.random().toString(36).slice(2)}`);
        const ms = time(() => copyWorkspace({ root: ws, dest, dependencies }));
        fs.rmSync(dest, { recursive: true, force: true });
        return ms;
      };
      const small = [1, 2, 3, 4, 5].map(() => copy(false));
      out.add({ metric: 'scratch copy without node_modules, p50 of 5', value: Math.round(percentile(small, 50)), unit: 'ms' });
      const big = [1, 2, 3].map(() => copy(true));
      out.add({ metric: 'scratch copy with node_modules copied, p50 of 3', value: Math.round(percentile(big, 50)), unit: 'ms' });

      const view = new WorkspaceView(ws);
      const plan = { ok: true, edits: [], files: [] };
      const check = async (env: NodeJS.ProcessEnv) => {
        const t = performance.now();
        const r = await runCheck(view, plan, 'true', 600_000, systemClock, undefined, { env, pass: [] });
        if (!r.passed) throw new Error(`the check failed: ${r.output}`);
        return performance.now() - t;
      };
      if (containment(process.env).level === 'bubblewrap') {
        const runs = [];
        for (let i = 0; i < 5; i++) runs.push(await check(process.env));
        out.add({ metric: 'whole check of `true` under bubblewrap (node_modules mounted read-only), p50 of 5', value: Math.round(percentile(runs, 50)), unit: 'ms' });
      } else out.add({ metric: 'whole check under bubblewrap', value: `not measured: ${containment(process.env).why}` });
      // bubblewrap missing, user namespaces working: node_modules bound read-only, not copied
      const nsEnv = { ...process.env, CODECOMPANION_SANDBOX: 'namespaces' };
      if (containment(nsEnv).level === 'namespaces') {
        const runs = [];
        for (let i = 0; i < 5; i++) runs.push(await check(nsEnv));
        out.add({ metric: 'whole check of `true` under user namespaces (no bwrap; node_modules bound read-only), p50 of 5', value: Math.round(percentile(runs, 50)), unit: 'ms' });
      } else out.add({ metric: 'whole check under user namespaces', value: `not measured: ${containment(nsEnv).why}` });
      const off = [];
      for (let i = 0; i < 3; i++) off.push(await check({ ...process.env, CODECOMPANION_SANDBOX: 'off' }));
      out.add({ metric: 'whole check of `true` with no sandbox (CODECOMPANION_SANDBOX=off, node_modules copied), p50 of 3', value: Math.round(percentile(off, 50)), unit: 'ms' });
      out.add({ metric: 'load average (1 min) at end', value: os.loadavg()[0]!.toFixed(2) });
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
    return out.rows;
  },
};
