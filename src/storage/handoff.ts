// Appends a process without the writer lock hands to the one holding it, so a decision never waits
// for a whole CLI run (or a window's run) to end. The requester writes its events to
// `inbox/<id>.json` (whole, by a rename; not fsync'ed: a decision is acknowledged once it is in the
// holder's journal, never before, so a request a power cut loses was never reported as recorded); the
// lock holder claims a request (rename to `.taking`), appends it as one transaction and removes it. A
// request names a key (type and decisionId of its first event) so a holder that crashed between
// appending and removing never appends it twice. A requester that gets no answer in time withdraws its
// request (a rename too, so exactly one of the two wins).
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NewEvent } from '../core/ports/eventStore';
import type { Database } from './database';
import type { SqlEventStore } from './sqlEventStore';

export const INBOX_DIR = 'inbox';

interface Request {
  readonly runId: string;
  readonly events: readonly NewEvent[];
  /** `type decisionId` of the first event: how a holder tells an already-appended request. */
  readonly key?: { readonly type: string; readonly decisionId: string };
}

export class HandoffTimeoutError extends Error {}

/** Writes the request durably and resolves once the lock holder has appended it. */
export async function handOff(dbDir: string, runId: string, events: readonly NewEvent[], options: { timeoutMs: number; signal?: () => boolean }): Promise<void> {
  const dir = path.join(dbDir, INBOX_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const first = events[0]?.data as { decisionId?: unknown } | undefined;
  const request: Request = { runId, events, ...(typeof first?.decisionId === 'string' ? { key: { type: events[0]!.type, decisionId: first.decisionId } } : {}) };
  const name = `${Date.now().toString().padStart(15, '0')}-${randomUUID()}.json`;
  const file = path.join(dir, name);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(request));
  fs.renameSync(tmp, file);
  const deadline = Date.now() + options.timeoutMs;
  // the holder appends within a transaction or two: look often (two stat calls), a decision waits on this
  for (let delay = 1; ; delay = Math.min(delay * 2, 4)) {
    if (!fs.existsSync(file) && !fs.existsSync(`${file}.taking`)) return;
    if (Date.now() >= deadline || options.signal?.()) {
      try {
        fs.renameSync(file, `${file}.withdrawn`);
        fs.rmSync(`${file}.withdrawn`, { force: true });
        throw new HandoffTimeoutError('the process holding the workspace database did not take the write in time; nothing was recorded');
      } catch (err) {
        if (err instanceof HandoffTimeoutError) throw err;
        // the holder claimed it meanwhile: it is being appended, wait for that
      }
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/**
 * The lock holder's side: appends every waiting request, oldest first. Resolves with how many it
 * appended. Call it only while holding the writer lock.
 */
export async function drainHandoffs(dbDir: string, db: Database, store: SqlEventStore): Promise<number> {
  const dir = path.join(dbDir, INBOX_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  let appended = 0;
  // a `.taking` left by a holder that crashed is finished first: it was claimed before the rest
  const claimed = names.filter((n) => n.endsWith('.json.taking')).sort();
  const waiting = names.filter((n) => n.endsWith('.json')).sort();
  for (const name of [...claimed.map((n) => n.slice(0, -'.taking'.length)), ...waiting]) {
    const file = path.join(dir, name);
    const taking = `${file}.taking`;
    if (!claimed.includes(`${name}.taking`)) {
      try {
        fs.renameSync(file, taking);
      } catch {
        continue; // withdrawn meanwhile
      }
    }
    let request: Request;
    try {
      request = JSON.parse(fs.readFileSync(taking, 'utf8')) as Request;
    } catch {
      fs.renameSync(taking, `${file}.unreadable`); // kept aside for a person to look at, never lost
      continue;
    }
    // only a request a crashed holder claimed can be in the log already: a fresh one never is
    const already = claimed.includes(`${name}.taking`) && alreadyAppended(store, request);
    if (!already) {
      await store.append(request.runId, request.events);
      appended++;
    }
    fs.rmSync(taking, { force: true });
  }
  return appended;
}

/** Read wherever the run's events are: its archive may hold the decision since it was appended. */
function alreadyAppended(store: SqlEventStore, request: Request): boolean {
  const key = request.key;
  if (!key) return false;
  return store.events.runEvents(request.runId).some((e) => e.type === key.type && (e.data as { decisionId?: unknown } | null)?.decisionId === key.decisionId);
}

/**
 * Drains on every change in the inbox (and on a poll, in case a change notice is missed) until
 * stopped. The inbox is created by the first requester, never here: until it exists the poll is quick.
 */
export function serveHandoffs(dbDir: string, db: Database, store: SqlEventStore, onError: (err: Error) => void, pollMs = 250): { stop(): Promise<void> } {
  const dir = path.join(dbDir, INBOX_DIR);
  let running: Promise<void> = Promise.resolve();
  let queued = false;
  let stopped = false;
  let watcher: fs.FSWatcher | undefined;
  const watch = () => {
    if (watcher || !fs.existsSync(dir)) return;
    try {
      watcher = fs.watch(dir, () => kick());
      watcher.on('error', () => undefined);
      watcher.unref();
    } catch {
      // no watching here (a network folder): the poll still drains
    }
  };
  const kick = () => {
    if (queued || stopped) return;
    queued = true;
    running = running.then(async () => {
      queued = false;
      if (stopped) return;
      watch();
      await drainHandoffs(dbDir, db, store).catch((err: Error) => onError(err));
    });
  };
  const timer = setInterval(kick, 50);
  timer.unref();
  let slow: ReturnType<typeof setInterval> | undefined;
  const settle = setInterval(() => {
    if (!watcher) return;
    // watching: the poll is only a safety net now
    clearInterval(timer);
    clearInterval(settle);
    slow = setInterval(kick, pollMs);
    slow.unref();
  }, 500);
  settle.unref();
  kick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearInterval(settle);
      clearInterval(slow);
      watcher?.close();
      await running;
    },
  };
}
