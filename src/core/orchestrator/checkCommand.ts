// The user's check command (`npm test`, `make check`...) run on a scratch copy of the staged
// workspace with the candidate patch on top. What runs is model-written code, so it runs contained
// (src/core/sandbox): an allowlisted environment with no secret in it, a copy whose links cannot
// lead back to the real workspace, bubblewrap where it works, and the whole process tree killed
// when the command ends or times out, or when the process running it dies (../sandbox/parentDeath.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestReport } from '../artifacts/schemas';
import type { Clock } from '../ports/clock';
import type { PatchPlan } from '../patch/planPatch';
import { bubblewrapArgs } from '../sandbox/bubblewrap';
import { checkEnvironment } from '../sandbox/checkEnvironment';
import { containment } from '../sandbox/containment';
import { namespacesArgs } from '../sandbox/namespaces';
import { groupKilledWithParent, killedWithParent, pdeathsigHelper } from '../sandbox/parentDeath';
import { MARKER_VARIABLE, newMarker, runTree } from '../sandbox/processTree';
import { dependenciesOf } from '../sandbox/scratchCopy';
import type { WorkspaceView } from './workspaceView';

const OUTPUT_TAIL = 4000;

/** What the host gives a check: its environment (the allowlist's source) and the names the user passes on. */
export interface CheckHost {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly pass: readonly string[];
}

/** Runs a run's check on a staged workspace: here (runCheck) or on a team worker (src/team/remoteChecks). */
export interface CheckRunner {
  /** `key` names this check uniquely within the workspace (run id + patch id): a team worker's idempotency key. */
  run(view: WorkspaceView, plan: PatchPlan, command: string, timeoutMs: number, signal: AbortSignal | undefined, key: string): Promise<TestReport>;
}

export function localChecks(clock: Clock, host: CheckHost): CheckRunner {
  return { run: (view, plan, command, timeoutMs, signal) => runCheck(view, plan, command, timeoutMs, clock, signal, host) };
}

export async function runCheck(view: WorkspaceView, plan: PatchPlan, command: string, timeoutMs: number, clock: Clock, signal: AbortSignal | undefined, host: CheckHost): Promise<TestReport> {
  return runContainedCheck({ prepare: (dir, sandboxed) => view.materialize(dir, plan, { dependencies: !sandboxed }).refused, dependencies: dependenciesOf(view.root) }, command, timeoutMs, clock, signal, host);
}

/** Where a contained check gets its files: written into `dir` by `prepare`, plus a dependencies folder. */
export interface CheckFiles {
  /** Fills the scratch folder; returns the paths it left out (and says so in the output). */
  prepare(dir: string, sandboxed: boolean): readonly string[];
  /** node_modules to mount read-only (bubblewrap, namespaces) when prepare did not copy it. */
  readonly dependencies: string | undefined;
}

/** The check command run contained in a fresh scratch folder: the one path every check takes, here or on a worker. */
export async function runContainedCheck(files: CheckFiles, command: string, timeoutMs: number, clock: Clock, signal: AbortSignal | undefined, host: CheckHost): Promise<TestReport> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'codecompanion-check-'));
  const dir = path.join(base, 'work');
  const home = path.join(base, 'home');
  const tmp = path.join(base, 'tmp');
  const started = clock.now();
  try {
    const contained = containment(host.env);
    // under namespaces too the dependencies are bound read-only, never copied
    const sandboxed = contained.level !== 'process-tree';
    fs.mkdirSync(dir);
    const refused = files.prepare(dir, sandboxed);
    for (const d of [home, tmp]) fs.mkdirSync(d);
    const marker = newMarker();
    const env = checkEnvironment({ hostEnv: host.env, pass: host.pass, home, tmp, extra: { [MARKER_VARIABLE]: marker } });
    const modules = files.dependencies;
    if (sandboxed && modules) fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    const readOnly: [string, string][] = modules ? [[modules, path.join(dir, 'node_modules')]] : [];
    const argv = contained.level === 'bubblewrap'
      ? [contained.bwrap!, ...bubblewrapArgs({ scratch: base, cwd: dir, readOnly, pathVariable: env.PATH, home: host.env.HOME }, command)]
      : contained.level === 'namespaces'
        ? killedWithParent([contained.unshare!, ...namespacesArgs(readOnly, command)], pdeathsigHelper(host.env.PATH))
        : process.platform === 'win32'
        ? [host.env.ComSpec ?? 'cmd.exe', '/d', '/s', '/c', command]
        : groupKilledWithParent(command, pdeathsigHelper(host.env.PATH));
    const { exitCode, timedOut, output } = await runTree(argv, marker, { cwd: dir, env, timeoutMs, outputLimit: OUTPUT_TAIL, pidNamespace: sandboxed, ...(signal ? { signal } : {}) });
    const note = refused.length ? `(left out of the scratch copy, links leading outside the workspace or not regular files: ${refused.slice(0, 10).join(', ')}${refused.length > 10 ? ', …' : ''})\n` : '';
    return { command, passed: exitCode === 0 && !timedOut, exitCode, timedOut, durationMs: clock.now() - started, output: (note + normalizeOutput(output, dir, base)).slice(-OUTPUT_TAIL) };
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

/**
 * The output goes back to the coder in its next prompt, so it is made to depend on the code alone:
 * the scratch folder reads as "." (the rest of the scratch area as "<scratch>") and timings are
 * blanked (a recorded session then replays exactly).
 */
export function normalizeOutput(output: string, dir: string, base = dir): string {
  let out = output;
  for (const [from, to] of [[dir, '.'], [base, '<scratch>']] as const) {
    out = out.split(fs.realpathSync(from)).join(to).split(from).join(to);
  }
  return out
    .replace(/(duration_ms:?\s*)\d+(\.\d+)?/g, '$1…')
    .replace(/\(\d+(\.\d+)?\s?m?s\)/g, '(…)')
    .replace(/\b\d+(\.\d+)?\s?ms\b/g, '… ms');
}
