// Where bubblewrap is not installed but unprivileged user namespaces work (util-linux `unshare` and
// `setpriv`, present on nearly every Linux): the check runs in its own user, mount, PID, network, IPC
// and UTS namespaces. Its /proc shows only its own processes (no reading CodeCompanion's environment
// through /proc/PID/environ), it has no network, the dependencies are bound read-only into the scratch
// copy (no 40 s copy of node_modules), and before the command starts every capability is dropped, so
// it can neither remount them writable nor unmount them. Unlike bubblewrap, the rest of the disk is
// reachable as the user. Whether it works is found out by trying once per unshare binary.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOnPath } from './bubblewrap';

const UNSHARE = ['--user', '--map-root-user', '--mount', '--pid', '--fork', '--kill-child', '--mount-proc', '--net', '--ipc', '--uts'];

/** $1 the command, then pairs of (host folder, folder in the copy) bound read-only; then no capability is left. */
const SCRIPT =
  'cmd=$1; shift; ' +
  'while [ $# -gt 1 ]; do mount --bind "$1" "$2" && mount -o remount,bind,ro "$2" || exit 125; shift 2; done; ' +
  'exec setpriv --bounding-set=-all --inh-caps=-all --no-new-privs -- /bin/sh -c "$cmd"';

export type NamespacesProbe = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly why: string };

const probes = new Map<string, NamespacesProbe>();

/** Finds unshare and setpriv on PATH and binds a folder read-only in the namespaces once; the answer is kept for the process. */
export function probeNamespaces(pathVariable: string | undefined): NamespacesProbe {
  if (process.platform !== 'linux') return { ok: false, why: `user namespaces are Linux only (this is ${process.platform})` };
  const unshare = findOnPath('unshare', pathVariable);
  if (!unshare || !findOnPath('setpriv', pathVariable)) return { ok: false, why: 'unshare or setpriv (util-linux) is not on PATH' };
  const known = probes.get(unshare);
  if (known) return known;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codecompanion-probe-'));
  try {
    const [from, to] = [path.join(dir, 'from'), path.join(dir, 'to')];
    fs.mkdirSync(from);
    fs.mkdirSync(to);
    fs.writeFileSync(path.join(from, 'f'), 'x');
    // the probe must see the bind read-only, or the level is not what it says
    const r = spawnSync(unshare, namespacesArgs([[from, to]], `test -f '${to}/f' && ! touch '${to}/f' 2>/dev/null`), { encoding: 'utf8', timeout: 10_000 });
    const probe: NamespacesProbe = r.status === 0 ? { ok: true, path: unshare } : { ok: false, why: `unshare cannot create user namespaces here: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0]}` };
    probes.set(unshare, probe);
    return probe;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The arguments after `unshare`: `readOnly` binds (host path → path in the copy), then `command` under /bin/sh. */
export function namespacesArgs(readOnly: readonly (readonly [string, string])[], command: string): string[] {
  return [...UNSHARE, '--', '/bin/sh', '-c', SCRIPT, 'codecompanion-check', command, ...readOnly.flatMap(([from, to]) => [from, to])];
}
