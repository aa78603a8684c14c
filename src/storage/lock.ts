// One writer per workspace database. The lock is a file created with O_EXCL holding the owner's pid
// and host; a lock whose owner on this host is gone (killed, crashed) is stale and taken over.
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: number;
  readonly purpose: string;
}

export class LockedError extends Error {
  constructor(readonly path: string, readonly owner: LockOwner | undefined) {
    super(
      owner
        ? `the workspace database is in use by another CodeCompanion process (pid ${owner.pid} on ${owner.host}, ${owner.purpose}, since ${new Date(owner.since).toISOString()}); close it or open read-only`
        : `the workspace database is locked (${path}); close the other CodeCompanion window or CLI, or open read-only`,
    );
    this.name = 'LockedError';
  }
}

export class WriterLock {
  private released = false;
  private readonly onExit = () => this.releaseSync();

  private constructor(readonly path: string) {
    process.once('exit', this.onExit);
  }

  /** Takes the lock, waiting up to timeoutMs for a live owner to let go. */
  static async acquire(path: string, purpose: string, timeoutMs: number): Promise<WriterLock> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      if (tryCreate(path, purpose)) return new WriterLock(path);
      const owner = readOwner(path);
      if (owner !== undefined && isStale(owner)) {
        removeIfUnchanged(path, owner);
        continue;
      }
      if (owner === undefined) removeIfUnchanged(path, undefined);
      if (Date.now() >= deadline) throw new LockedError(path, owner);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  releaseSync(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.onExit);
    const owner = readOwner(this.path);
    if (owner?.pid === process.pid && owner.host === os.hostname()) fs.rmSync(this.path, { force: true });
  }
}

/** Who holds the lock at `path` now, if a live process does (a stale lock counts as free). */
export function liveLockOwner(path: string): LockOwner | undefined {
  const owner = readOwner(path);
  return owner && !isStale(owner) ? owner : undefined;
}

function tryCreate(path: string, purpose: string): boolean {
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: Date.now(), purpose };
  try {
    const fd = fs.openSync(path, 'wx');
    try {
      fs.writeSync(fd, JSON.stringify(owner));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return { pid: parsed.pid, host: parsed.host, since: parsed.since ?? 0, purpose: parsed.purpose ?? 'unknown' };
    }
  } catch {
    // unreadable or half-written: treated as stale below only if it stays that way
  }
  return undefined;
}

function isStale(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false; // can't check another host's pids: respect it
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function removeIfUnchanged(path: string, seen: LockOwner | undefined): void {
  // A lock file that is empty may be one a live process is still writing: give it a moment.
  if (seen === undefined) {
    try {
      if (Date.now() - fs.statSync(path).mtimeMs < 1000) return;
    } catch {
      return;
    }
  }
  const now = readOwner(path);
  if (now?.pid === seen?.pid && now?.since === seen?.since) fs.rmSync(path, { force: true });
}
