// A check must not outlive the process that runs it. When a team worker is killed (kill -9, a lost
// machine's OOM killer), nothing in it gets to kill the check's tree, so the kernel has to: util-linux
// `setpriv --pdeathsig` sets PR_SET_PDEATHSIG and execs the command, which then gets the signal the
// moment its parent dies. What that signal reaches depends on the level (src/core/sandbox/containment.ts):
//   bubblewrap     bwrap --die-with-parent does the same itself: nothing to add
//   namespaces     unshare gets SIGKILL; its --kill-child kills the PID namespace's first process, and
//                  with it every process inside
//   process-tree   a supervising shell gets SIGTERM and kills its whole process group (a process that
//                  left the group with setsid escapes: there is no sandbox at this level)
// Where setpriv is missing or too old, argv is run as it is (the sweep still runs when the worker lives).
import { spawnSync } from 'node:child_process';
import { findOnPath } from './bubblewrap';

const probes = new Map<string, boolean>();

/** The setpriv binary, if it is on PATH and knows --pdeathsig (util-linux 2.33 and later); tried once. */
export function pdeathsigHelper(pathVariable: string | undefined): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const setpriv = findOnPath('setpriv', pathVariable);
  if (!setpriv) return undefined;
  let ok = probes.get(setpriv);
  if (ok === undefined) {
    ok = spawnSync(setpriv, ['--pdeathsig', 'KILL', '--', 'true'], { timeout: 10_000 }).status === 0;
    probes.set(setpriv, ok);
  }
  return ok ? setpriv : undefined;
}

/** `argv` (unshare ...), killed when this process dies. */
export function killedWithParent(argv: readonly string[], setpriv: string | undefined): string[] {
  return setpriv ? [setpriv, '--pdeathsig', 'KILL', '--', ...argv] : [...argv];
}

/**
 * `/bin/sh -c command` under a shell that, told by the kernel that this process died, kills its own
 * process group (the check runs in a group of its own): the command's exit status is the shell's.
 */
export function groupKilledWithParent(command: string, setpriv: string | undefined): string[] {
  if (!setpriv) return ['/bin/sh', '-c', command];
  return [setpriv, '--pdeathsig', 'TERM', '--', '/bin/sh', '-c', SUPERVISOR, 'codecompanion-check', command];
}

const SUPERVISOR = 'trap "kill -KILL 0" TERM; /bin/sh -c "$1" & wait $!';
