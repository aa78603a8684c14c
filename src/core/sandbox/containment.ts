// Which containment a check command (model-written code) runs under on this machine: one answer,
// used by the check itself, by `codecompanion doctor` and in README.
//   bubblewrap      no network, read-only system and dependencies, writable scratch copy only,
//                   own PID namespace (the whole tree dies with it), allowlisted environment
//   namespaces      bubblewrap missing, user namespaces working (util-linux unshare): no network, own
//                   PID namespace and /proc, dependencies bound read-only, no capability left;
//                   the rest of the disk reachable as the user
//   process-tree    a scratch copy (dependencies copied), the process group killed and /proc swept
//                   for marked descendants, allowlisted environment; no sandbox (network, the disk
//                   and other processes' /proc entries, CodeCompanion's environment included, reachable)
// CODECOMPANION_SANDBOX=off forces the last (tests; a machine where namespaces misbehave);
// CODECOMPANION_SANDBOX=namespaces skips bubblewrap.
import { probeBubblewrap } from './bubblewrap';
import { probeNamespaces } from './namespaces';

export type ContainmentLevel = 'bubblewrap' | 'namespaces' | 'process-tree';

export interface Containment {
  readonly level: ContainmentLevel;
  /** One line for humans: what holds. */
  readonly summary: string;
  /** Why bubblewrap is not used, when it is not. */
  readonly why?: string;
  /** The bwrap binary, when used. */
  readonly bwrap?: string;
  /** The unshare binary, at the namespaces level. */
  readonly unshare?: string;
}

export const SANDBOX_VARIABLE = 'CODECOMPANION_SANDBOX';

const BUBBLEWRAP_SUMMARY = 'bubblewrap: no network, read-only system and node_modules, writable scratch copy only, own PID namespace, allowlisted environment';
const NAMESPACES_SUMMARY = 'user namespaces (unshare): no network, own PID namespace and /proc, node_modules read-only, no capabilities, allowlisted environment; the rest of the disk writable as you';
const PROCESS_SUMMARY = 'process group + /proc sweep, scratch copy (node_modules copied), allowlisted environment; no sandbox: network, disk and other processes\' environments reachable';

export function containment(env: Readonly<Record<string, string | undefined>>): Containment {
  const setting = (env[SANDBOX_VARIABLE] ?? 'auto').trim().toLowerCase();
  if (setting === 'off' || setting === '0' || setting === 'false') return { level: 'process-tree', summary: PROCESS_SUMMARY, why: `${SANDBOX_VARIABLE}=${env[SANDBOX_VARIABLE]} switches sandboxing off` };
  let why: string;
  if (setting === 'namespaces') why = `${SANDBOX_VARIABLE}=namespaces skips bubblewrap`;
  else {
    const probe = probeBubblewrap(env.PATH);
    if (probe.ok) return { level: 'bubblewrap', summary: BUBBLEWRAP_SUMMARY, bwrap: probe.path };
    why = probe.why;
  }
  const ns = probeNamespaces(env.PATH);
  if (ns.ok) return { level: 'namespaces', summary: NAMESPACES_SUMMARY, why, unshare: ns.path };
  return { level: 'process-tree', summary: PROCESS_SUMMARY, why: `${why}; ${ns.why}` };
}

/** "bubblewrap: ..." or "... (why bubblewrap is not used)". */
export function describeContainment(c: Containment): string {
  return c.why ? `${c.summary} (${c.why})` : c.summary;
}
