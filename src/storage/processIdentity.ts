// Who a process is, in a way another process (on this host or another one sharing the folder) can
// check later: the host's id, the boot it runs in, its pid and the pid's start time. A bare pid is
// not enough: after a reboot or enough processes the same pid is someone else.
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface ProcessRef {
  readonly hostId: string;
  readonly bootId: string;
  readonly pid: number;
  /** When this pid started, as the OS tells it ('' when it cannot). */
  readonly pidStart: string;
  readonly at: number;
}

let cachedHost: string | undefined;
let cachedBoot: string | undefined;

/** /etc/machine-id where there is one (survives renames), else the host name. */
export function hostId(): string {
  cachedHost ??= readFirst(['/etc/machine-id', '/var/lib/dbus/machine-id']) ?? `host:${os.hostname()}`;
  return cachedHost;
}

/** Changes on every boot: Linux's boot_id, else the boot time to the minute. */
export function bootId(): string {
  cachedBoot ??= readFirst(['/proc/sys/kernel/random/boot_id']) ?? `boot:${Math.round((Date.now() - os.uptime() * 1000) / 60_000)}`;
  return cachedBoot;
}

/** The pid's start time in clock ticks since boot (Linux), '' elsewhere or when the pid is gone. */
export function pidStartTime(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count from the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? '';
  } catch {
    return '';
  }
}

export function currentProcess(now = Date.now()): ProcessRef {
  return { hostId: hostId(), bootId: bootId(), pid: process.pid, pidStart: pidStartTime(process.pid), at: now };
}

export type Liveness = 'alive' | 'dead' | 'unknown';

/**
 * Whether the process is still running: known only on the same host. A different boot, a gone pid,
 * or a pid now started at another time (reused) is dead.
 */
export function liveness(ref: Pick<ProcessRef, 'hostId' | 'bootId' | 'pid' | 'pidStart'>): Liveness {
  if (ref.hostId !== hostId()) return 'unknown';
  if (ref.bootId && ref.bootId !== bootId()) return 'dead';
  if (ref.pid === process.pid) return ref.pidStart === pidStartTime(process.pid) ? 'alive' : 'dead';
  try {
    process.kill(ref.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
  }
  if (ref.pidStart && pidStartTime(ref.pid) !== ref.pidStart) return 'dead';
  return 'alive';
}

function readFirst(files: readonly string[]): string | undefined {
  for (const f of files) {
    try {
      const v = fs.readFileSync(f, 'utf8').trim();
      if (v) return v;
    } catch {
      // next
    }
  }
  return undefined;
}
