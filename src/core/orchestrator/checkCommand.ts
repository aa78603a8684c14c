// The user's check command (`npm test`, `make check`...) run on a scratch copy of the staged
// workspace with the candidate patch on top: the real workspace is never touched, and a command
// that hangs is killed (its whole process group) at the timeout.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestReport } from '../artifacts/schemas';
import type { Clock } from '../ports/clock';
import type { PatchPlan } from '../patch/planPatch';
import type { WorkspaceView } from './workspaceView';

const OUTPUT_TAIL = 4000;

export async function runCheck(view: WorkspaceView, plan: PatchPlan, command: string, timeoutMs: number, clock: Clock, signal?: AbortSignal): Promise<TestReport> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codecompanion-check-'));
  const started = clock.now();
  try {
    view.materialize(dir, plan);
    const { exitCode, timedOut, output } = await run(command, dir, timeoutMs, signal);
    return { command, passed: exitCode === 0 && !timedOut, exitCode, timedOut, durationMs: clock.now() - started, output: normalizeOutput(output, dir).slice(-OUTPUT_TAIL) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The output goes back to the coder in its next prompt, so it is made to depend on the code alone:
 * the scratch folder reads as "." and timings are blanked (a recorded session then replays exactly).
 */
export function normalizeOutput(output: string, dir: string): string {
  return output
    .split(fs.realpathSync(dir)).join('.')
    .split(dir).join('.')
    .replace(/(duration_ms:?\s*)\d+(\.\d+)?/g, '$1…')
    .replace(/\(\d+(\.\d+)?\s?m?s\)/g, '(…)')
    .replace(/\b\d+(\.\d+)?\s?ms\b/g, '… ms');
}

function run(command: string, cwd: string, timeoutMs: number, signal?: AbortSignal): Promise<{ exitCode: number | null; timedOut: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, { cwd, shell: true, detached: process.platform !== 'win32', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
    let output = '';
    let timedOut = false;
    const collect = (d: Buffer) => {
      output += d.toString();
      if (output.length > OUTPUT_TAIL * 4) output = output.slice(-OUTPUT_TAIL * 2);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const kill = () => {
      try {
        if (child.pid && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (err) => {
      output += `\n${err.message}`;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      resolve({ exitCode: code, timedOut, output: timedOut ? `${output}\n(killed after ${timeoutMs} ms)` : output });
    });
  });
}
