// Runs a command so that everything it starts can be found and killed: its own process group,
// and a marker variable in its environment that every descendant inherits (a `setsid` daemon
// leaves the group but keeps the marker). When the command exits, times out or is cancelled, the
// group is killed and /proc is swept for the marker until no marked process is left. A process
// that clears its own environment and leaves the group escapes the sweep; a PID namespace
// (./bubblewrap.ts, or ./namespaces.ts where only unshare works) closes that hole where available.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';

export const MARKER_VARIABLE = 'CODECOMPANION_CHECK_ID';

export interface TreeRun {
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly output: string;
  /** Processes the sweep had to kill after the command itself ended (daemons it left behind). */
  readonly strays: number;
}

export interface TreeOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Keep the last this many characters of stdout + stderr. */
  readonly outputLimit: number;
  /**
   * argv[0] starts the command as the first process of its own PID namespace (bubblewrap, unshare
   * --pid --kill-child): once it has exited the kernel has killed everything inside, so a command that
   * ends by itself costs no sweep of /proc (two passes over every process, tens of ms on a busy
   * machine). A timeout or a cancel still sweeps.
   */
  readonly pidNamespace?: boolean;
}

export function newMarker(): string {
  return randomBytes(12).toString('hex');
}

/** `argv[0] argv[1..]`, marked by `marker` (which must already be in options.env). */
export function runTree(argv: readonly string[], marker: string, options: TreeOptions): Promise<TreeRun> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, detached: process.platform !== 'win32', stdio: ['ignore', 'pipe', 'pipe'], env: options.env });
    let output = '';
    let timedOut = false;
    let exited = false;
    let closed = false;
    let exitCode: number | null = null;
    let strays = 0;
    const collect = (d: Buffer) => {
      output += d.toString();
      if (output.length > options.outputLimit * 4) output = output.slice(-options.outputLimit * 2);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const killAll = (afterExit = false) => {
      killGroup(child.pid);
      return afterExit && options.pidNamespace ? 0 : sweep(marker, child.pid);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killAll();
    }, options.timeoutMs);
    const onAbort = () => killAll();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const finish = () => {
      if (!exited || !closed) return;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      strays += killAll(true); // whatever is still marked outlived the command: it dies too
      resolve({ exitCode, timedOut, strays, output: timedOut ? `${output}\n(killed after ${options.timeoutMs} ms)` : output });
    };
    child.on('error', (err) => {
      output += `\n${err.message}`;
      exited = true;
      closed = true;
      finish();
    });
    child.on('exit', (code) => {
      exitCode = code;
      exited = true;
      // a daemon holding our pipes would keep 'close' from ever coming: the tree goes now
      strays += killAll(true);
      finish();
    });
    child.on('close', () => {
      closed = true;
      finish();
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    if (process.platform !== 'win32') process.kill(-pid, 'SIGKILL');
    else process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Kills every process carrying the marker or in the group, until a pass finds none (a process
 * forking while we look is caught on the next pass). Linux only (/proc); elsewhere the group kill
 * is all there is. Returns how many it killed.
 */
export function sweep(marker: string, group?: number): number {
  if (process.platform !== 'linux') return 0;
  const needle = Buffer.from(`${MARKER_VARIABLE}=${marker}\0`);
  let killed = 0;
  for (let pass = 0; pass < 50; pass++) {
    const found = markedProcesses(needle, group);
    if (found.length === 0) return killed;
    for (const pid of found) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // gone meanwhile
      }
    }
  }
  return killed;
}

function markedProcesses(needle: Buffer, group: number | undefined): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      // a zombie has no environment left to read, and is harmless: its parent reaps it
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || fields[0] === 'X') continue;
      if (group !== undefined && Number(fields[2]) === group) {
        out.push(pid);
        continue;
      }
      if (fs.readFileSync(`/proc/${pid}/environ`).includes(needle)) out.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}
