// The writer lock as a lease: a dead owner's lock (gone pid, reused pid, another boot) and another
// host's lock whose heartbeat stopped are taken over; a live owner's lease is respected, and the hint
// names the owner.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LockedError, WriterLock, liveLockOwner } from '../../../src/storage/lock';
import { bootId, hostId, pidStartTime } from '../../../src/storage/processIdentity';

const tmpLock = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cc-lock-')), 'writer.lock');

function writeLock(file: string, fields: Record<string, unknown>, ageMs = 0): void {
  fs.writeFileSync(file, JSON.stringify({ host: 'somewhere', since: Date.now() - ageMs, purpose: 'codecompanion run', command: 'cli.js run "x"', leaseMs: 30_000, ...fields }));
  const t = new Date(Date.now() - ageMs);
  fs.utimesSync(file, t, t);
}

/** A pid that is surely not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

describe('storage: the writer lock', () => {
  it('takes over the lock of a process that died (same host)', async () => {
    const file = tmpLock();
    writeLock(file, { hostId: hostId(), bootId: bootId(), pid: await deadPid(), pidStart: '1' });
    const lock = await WriterLock.acquire(file, 'test', 0);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
    lock.releaseSync();
    assert.equal(fs.existsSync(file), false);
  });

  it('takes over when the pid is alive but is another process now (pid reuse), or the host rebooted', async () => {
    const file = tmpLock();
    // our parent is alive, but it did not start at this time: the pid was reused
    writeLock(file, { hostId: hostId(), bootId: bootId(), pid: process.ppid, pidStart: `${Number(pidStartTime(process.ppid) || 5) + 1}` });
    (await WriterLock.acquire(file, 'test', 0)).releaseSync();
    writeLock(file, { hostId: hostId(), bootId: 'an-earlier-boot', pid: process.ppid, pidStart: pidStartTime(process.ppid) });
    (await WriterLock.acquire(file, 'test', 0)).releaseSync();
  });

  it('respects a live owner on this host and names it: host, pid, purpose, command, since', async () => {
    const file = tmpLock();
    writeLock(file, { hostId: hostId(), bootId: bootId(), pid: process.ppid, pidStart: pidStartTime(process.ppid) }, 5_000);
    const err = await WriterLock.acquire(file, 'test', 50).then(
      () => assert.fail('took a live lock'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof LockedError);
    assert.match(err.message, new RegExp(`in use by another CodeCompanion process \\(pid ${process.ppid} on somewhere, codecompanion run, \`cli\\.js run "x"\`, since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z, last seen [45] s ago\\)`));
  });

  it('respects another host’s lock while its heartbeat is fresh, takes it over once the lease expired', async () => {
    const file = tmpLock();
    writeLock(file, { hostId: 'other-machine', bootId: 'b', pid: 4242, pidStart: '77', leaseMs: 30_000 }, 10_000);
    await assert.rejects(WriterLock.acquire(file, 'test', 50), (e: unknown) => e instanceof LockedError && /pid 4242 on somewhere/.test(e.message));
    assert.equal(liveLockOwner(file)?.pid, 4242);
    writeLock(file, { hostId: 'other-machine', bootId: 'b', pid: 4242, pidStart: '77', leaseMs: 30_000 }, 31_000);
    assert.equal(liveLockOwner(file), undefined, 'a lease with no heartbeat for longer than itself is stale');
    const lock = await WriterLock.acquire(file, 'test', 0);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).hostId, hostId());
    lock.releaseSync();
  });

  it('keeps its own lease alive with a heartbeat', async () => {
    const file = tmpLock();
    const lock = await WriterLock.acquire(file, 'test', 0, { leaseMs: 300 });
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    const deadline = Date.now() + 10_000;
    while (fs.statSync(file).mtimeMs < Date.now() - 30_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(fs.statSync(file).mtimeMs > Date.now() - 30_000, 'the heartbeat touched the lock');
    assert.equal(lock.held, true);
    lock.releaseSync();
  });

  it('reads a lock written by an older CodeCompanion (pid and host name only)', async () => {
    const file = tmpLock();
    fs.writeFileSync(file, JSON.stringify({ pid: await deadPid(), host: os.hostname(), since: 1, purpose: 'old' }));
    // an old lock names no host id: it is compared by host name, and a gone pid is stale
    (await WriterLock.acquire(file, 'test', 0)).releaseSync();
  });
});
