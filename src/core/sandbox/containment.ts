// Which containment a check command (model-written code) runs under on this machine: one answer,
// used by the check itself, by `codecompanion doctor` and in README.
//   bubblewrap      no network, read-only system and dependencies, writable scratch copy only,
//                   own PID namespace (the whole tree dies with it), allowlisted environment
//   process-tree    a scratch copy, the process group killed and /proc swept for marked
//                   descendants, allowlisted environment; no sandbox (network and the disk reachable)
// CODECOMPANION_SANDBOX=off forces the second (tests; a machine where bwrap misbehaves).
import { probeBubblewrap } from './bubblewrap';

export type ContainmentLevel = 'bubblewrap' | 'process-tree';

export interface Containment {
  readonly level: ContainmentLevel;
  /** One line for humans: what holds. */
  readonly summary: string;
  /** Why bubblewrap is not used, when it is not. */
  readonly why?: string;
  /** The bwrap binary, when used. */
  readonly bwrap?: string;
}

export const SANDBOX_VARIABLE = 'CODECOMPANION_SANDBOX';

const BUBBLEWRAP_SUMMARY = 'bubblewrap: no network, read-only system and node_modules, writable scratch copy only, own PID namespace, allowlisted environment';
const PROCESS_SUMMARY = 'process group + /proc sweep, scratch copy (node_modules copied), allowlisted environment; no sandbox';

export function containment(env: Readonly<Record<string, string | undefined>>): Containment {
  const setting = (env[SANDBOX_VARIABLE] ?? 'auto').trim().toLowerCase();
  if (setting === 'off' || setting === '0' || setting === 'false') return { level: 'process-tree', summary: PROCESS_SUMMARY, why: `${SANDBOX_VARIABLE}=${env[SANDBOX_VARIABLE]} switches bubblewrap off` };
  const probe = probeBubblewrap(env.PATH);
  if (!probe.ok) return { level: 'process-tree', summary: PROCESS_SUMMARY, why: probe.why };
  return { level: 'bubblewrap', summary: BUBBLEWRAP_SUMMARY, bwrap: probe.path };
}

/** "bubblewrap: ..." or "process group ...; no sandbox (why)". */
export function describeContainment(c: Containment): string {
  return c.why ? `${c.summary} (${c.why})` : c.summary;
}
