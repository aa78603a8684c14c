// One writer per workspace database, as a lease. The lock is a file created with O_EXCL holding the
// owner (host id, boot id, pid and the pid's start time, what it is doing, since when); the holder
// touches it every few seconds (the heartbeat). It is stale, and taken over, when its owner is known
// to be gone (same host: another boot, no such pid, or the pid reused by a later process) or, for an
// owner on another host sharing the folder, when its heartbeat is older than the lease. Takeover goes
// through a second O_EXCL file so two processes never both remove and recreate it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { currentProcess, hostId, liveness, type ProcessRef } from './processIdentity';

export interface LockOwner extends ProcessRef {
  /** For people: the host's name. */
  readonly host: string;
  readonly since: number;
  readonly purpose: string;
  /** The command line that holds it, shortened. */
  readonly command: string;
  readonly leaseMs: number;
  /** The last heartbeat (the lock file's modification time). */
  readonly heartbeat: number;
}

/** How long an owner on another host keeps the lock without a heartbeat. */
export const DEFAULT_LEASE_MS = 30_000;

export class LockedError extends Error {
  constructor(readonly path: string, readonly owner: LockOwner | undefined) {
    super(owner ? `the workspace database is in use by another CodeCompanion process ${describeOwner(owner)}; wait for it to finish, or run read-only commands meanwhile` : `the workspace database is locked (${path}); close the other CodeCompanion window or CLI, or open read-only`);
    this.name = 'LockedError';
  }
}

/** "(pid 4242 on build-7, codecompanion run, `cli.js run …`, since 2026-…, last seen 3 s ago)" */
export function describeOwner(owner: LockOwner, now = Date.now()): string {
  const ago = Math.max(0, Math.round((now - owner.heartbeat) / 1000));
  return `(pid ${owner.pid} on ${owner.host}, ${owner.purpose}${owner.command ? `, \`${owner.command}\`` : ''}, since ${new Date(owner.since).toISOString()}, last seen ${ago} s ago)`;
}

export interface AcquireOptions {
  readonly leaseMs?: number;
}

export class WriterLock {
  private released = false;
  private readonly onExit = () => this.releaseSync();
  private readonly heartbeat: ReturnType<typeof setInterval>;

  private constructor(readonly path: string, private readonly self: ProcessRef, leaseMs: number) {
    process.once('exit', this.onExit);
    this.heartbeat = setInterval(() => this.beat(), Math.max(100, Math.floor(leaseMs / 3)));
    this.heartbeat.unref();
  }

  /** Takes the lock, waiting up to timeoutMs for a live owner to let go. */
  static async acquire(path: string, purpose: string, timeoutMs: number, options: AcquireOptions = {}): Promise<WriterLock> {
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    const deadline = Date.now() + timeoutMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      const self = tryCreate(path, purpose, leaseMs);
      if (self) return new WriterLock(path, self, leaseMs);
      const owner = readOwner(path);
      if (owner === undefined ? unreadableForLong(path) : isStale(owner)) {
        takeOver(path, owner);
        continue;
      }
      if (Date.now() >= deadline) throw new LockedError(path, owner);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** Whether this process still holds it (nobody took it over after a missed lease). */
  get held(): boolean {
    return !this.released && isMine(readOwner(this.path), this.self);
  }

  releaseSync(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.heartbeat);
    process.removeListener('exit', this.onExit);
    if (isMine(readOwner(this.path), this.self)) fs.rmSync(this.path, { force: true });
  }

  private beat(): void {
    try {
      const now = new Date();
      if (isMine(readOwner(this.path), this.self)) fs.utimesSync(this.path, now, now);
    } catch {
      // a missed beat costs nothing until a whole lease is missed
    }
  }
}

/** Who holds the lock at `path` now, if a live process does (a stale lock counts as free). */
export function liveLockOwner(path: string): LockOwner | undefined {
  const owner = readOwner(path);
  return owner && !isStale(owner) ? owner : undefined;
}

/** Any lock file there, stale or not (for `db status` and hints). */
export function readLockOwner(path: string): LockOwner | undefined {
  return readOwner(path);
}

export function isStale(owner: LockOwner, now = Date.now()): boolean {
  const alive = liveness(owner);
  if (alive !== 'unknown') return alive === 'dead';
  return now - owner.heartbeat > owner.leaseMs;
}

function isMine(owner: LockOwner | undefined, self: ProcessRef): boolean {
  return owner !== undefined && owner.pid === self.pid && owner.hostId === self.hostId && owner.since === self.at;
}

function commandLine(): string {
  const args = process.argv.slice(1).map((a) => a.split(/[\\/]/).pop() ?? a);
  const text = args.join(' ').replace(/[\u0000-\u001f\u007f]/g, ' ');
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function tryCreate(path: string, purpose: string, leaseMs: number): ProcessRef | undefined {
  const self = currentProcess();
  const body = { ...self, host: os.hostname(), since: self.at, purpose, command: commandLine(), leaseMs };
  let fd: number;
  try {
    fd = fs.openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  }
  try {
    fs.writeSync(fd, JSON.stringify(body));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return self;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const text = fs.readFileSync(path, 'utf8');
    const heartbeat = fs.statSync(path).mtimeMs;
    const p = JSON.parse(text) as Partial<LockOwner> & { host?: string };
    if (typeof p.pid !== 'number' || typeof p.host !== 'string') return undefined;
    return {
      // a lock written by an older CodeCompanion has a host name and a pid only
      hostId: typeof p.hostId === 'string' ? p.hostId : p.host === os.hostname() ? hostId() : `host:${p.host}`,
      bootId: typeof p.bootId === 'string' ? p.bootId : '',
      pid: p.pid,
      pidStart: typeof p.pidStart === 'string' ? p.pidStart : '',
      at: p.at ?? p.since ?? 0,
      host: p.host,
      since: p.since ?? 0,
      purpose: p.purpose ?? 'unknown',
      command: typeof p.command === 'string' ? p.command : '',
      leaseMs: typeof p.leaseMs === 'number' && p.leaseMs > 0 ? p.leaseMs : DEFAULT_LEASE_MS,
      heartbeat,
    };
  } catch {
    return undefined; // gone, unreadable or half-written
  }
}

/** A lock file nobody can read: one being written is readable within moments; one left torn is not. */
function unreadableForLong(path: string): boolean {
  try {
    return Date.now() - fs.statSync(path).mtimeMs > 1000;
  } catch {
    return false; // gone: just try again
  }
}

/**
 * Removes a stale lock, unless someone else took it over meanwhile. The check and the removal happen
 * under `PATH.takeover` (O_EXCL, short-lived; one left by a crash mid-takeover expires after a few seconds).
 */
function takeOver(path: string, seen: LockOwner | undefined): void {
  const guard = `${path}.takeover`;
  let fd: number;
  try {
    fd = fs.openSync(guard, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    try {
      if (Date.now() - fs.statSync(guard).mtimeMs > 5000) fs.rmSync(guard, { force: true });
    } catch {
      // gone meanwhile
    }
    return;
  }
  try {
    fs.closeSync(fd);
    const now = readOwner(path);
    const same = seen === undefined ? now === undefined : now !== undefined && now.pid === seen.pid && now.since === seen.since && now.hostId === seen.hostId;
    if (same && (now === undefined ? unreadableForLong(path) : isStale(now))) fs.rmSync(path, { force: true });
  } finally {
    fs.rmSync(guard, { force: true });
  }
}
