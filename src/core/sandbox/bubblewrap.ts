// bubblewrap (`bwrap`), where it is installed and can create namespaces: the check runs with no
// network (its own empty network namespace), its own PID namespace (when the command ends or is
// killed, every process it started dies with it, daemons included), a new session (no terminal to
// inject into), the system folders read-only, the dependencies read-only, and only the scratch
// area writable. Whether it works is found out by trying once per bwrap binary.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Read-only system folders (those that exist). Home folders and the rest of the disk are not there. */
const SYSTEM = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt', '/nix/store', '/run/current-system'];

const NAMESPACES = ['--die-with-parent', '--new-session', '--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try'];

export type BubblewrapProbe = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly why: string };

const probes = new Map<string, BubblewrapProbe>();

/** Finds bwrap on PATH and runs `true` in the sandbox once; the answer is kept for the process. */
export function probeBubblewrap(pathVariable: string | undefined): BubblewrapProbe {
  if (process.platform !== 'linux') return { ok: false, why: `bubblewrap is Linux only (this is ${process.platform})` };
  const bwrap = findOnPath('bwrap', pathVariable);
  if (!bwrap) return { ok: false, why: 'bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)' };
  const known = probes.get(bwrap);
  if (known) return known;
  const r = spawnSync(bwrap, [...NAMESPACES, ...SYSTEM.flatMap((d) => ['--ro-bind-try', d, d]), '--proc', '/proc', '--dev', '/dev', '--', 'true'], { encoding: 'utf8', timeout: 10_000 });
  const probe: BubblewrapProbe = r.status === 0 ? { ok: true, path: bwrap } : { ok: false, why: `bwrap cannot create its namespaces here: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0]}` };
  probes.set(bwrap, probe);
  return probe;
}

export interface SandboxLayout {
  /** The scratch area (writable): the workspace copy, HOME and TMPDIR are inside it. */
  readonly scratch: string;
  /** Where the command starts (inside scratch). */
  readonly cwd: string;
  /** Read-only binds, host path → path inside the sandbox (the dependencies). */
  readonly readOnly: readonly (readonly [string, string])[];
  /** PATH of the check's environment: its folders are visible read-only. */
  readonly pathVariable: string | undefined;
  /** Never bound, even if on PATH: the user's home (and what holds it). */
  readonly home: string | undefined;
}

export function bubblewrapArgs(layout: SandboxLayout, command: string): string[] {
  const binds = SYSTEM.flatMap((d) => ['--ro-bind-try', d, d]);
  for (const dir of executableFolders(layout)) binds.push('--ro-bind-try', dir, dir);
  return [
    ...NAMESPACES,
    ...binds,
    '--proc', '/proc',
    '--dev', '/dev',
    '--tmpfs', '/tmp',
    '--bind', layout.scratch, layout.scratch,
    ...layout.readOnly.flatMap(([from, to]) => ['--ro-bind', from, to]),
    '--chdir', layout.cwd,
    '--', '/bin/sh', '-c', command,
  ];
}

/**
 * PATH folders outside the system ones (a node from nvm, ~/.cargo/bin) and the running node's own
 * installation, read-only; never a folder that is or holds the home folder, the root, or a
 * relative one.
 */
function executableFolders(layout: SandboxLayout): string[] {
  const home = layout.home ? path.resolve(layout.home) : undefined;
  const candidates = [...(layout.pathVariable ?? '').split(path.delimiter), path.dirname(path.dirname(process.execPath))];
  const out = new Set<string>();
  for (const dir of candidates) {
    if (!dir || !path.isAbsolute(dir)) continue;
    const abs = path.resolve(dir);
    if (abs === '/' || SYSTEM.some((s) => abs === s || abs.startsWith(`${s}/`))) continue;
    if (home && (home === abs || home.startsWith(`${abs}/`))) continue;
    if (abs === layout.scratch || layout.scratch.startsWith(`${abs}/`) || abs.startsWith(`${layout.scratch}/`)) continue;
    if (fs.existsSync(abs)) out.add(abs);
  }
  return [...out];
}

export function findOnPath(name: string, pathVariable: string | undefined): string | undefined {
  for (const dir of (pathVariable ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
