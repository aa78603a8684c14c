// Appends a process without the writer lock hands to the one holding it, so a decision never waits
// for a whole CLI run (or a window's run) to end. The requester writes its events to
// `inbox/<id>.json` (whole, by a rename; not fsync'ed: a decision is acknowledged once it is in the
// holder's journal, never before, so a request a power cut loses was never reported as recorded); the
// lock holder claims a request (rename to `.taking`), appends it as one transaction and removes it. A
// request names a key (type and decisionId of its first event) so a holder that crashed between
// appending and removing never appends it twice. A requester that gets no answer in time withdraws its
// request (a rename too, so exactly one of the two wins).
// A reader may also ask the holder for the review rows it needs (`<id>.ask`, answered in `<id>.answer`
// in the same order as the appends before it), so a process that only decides never loads the
// whole image. Both sides wake on the inbox's change notices, with a short poll for folders that
// give none.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NewEvent } from '../core/ports/eventStore';
import type { Database } from './database';
import type { SqlEventStore } from './sqlEventStore';
import { reviewDelta, type ReviewDelta, type ReviewQuestion } from './projections/reviews';

export const INBOX_DIR = 'inbox';

interface Request {
  readonly runId: string;
  readonly events: readonly NewEvent[];
  /** `type decisionId` of the first event: how a holder tells an already-appended request. */
  readonly key?: { readonly type: string; readonly decisionId: string };
}

export class HandoffTimeoutError extends Error {}

/** Writes the request (whole, by a rename) and resolves once the lock holder has appended it. */
export async function handOff(dbDir: string, runId: string, events: readonly NewEvent[], options: { timeoutMs: number; signal?: () => boolean }): Promise<void> {
  const dir = path.join(dbDir, INBOX_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const first = events[0]?.data as { decisionId?: unknown } | undefined;
  const request: Request = { runId, events, ...(typeof first?.decisionId === 'string' ? { key: { type: events[0]!.type, decisionId: first.decisionId } } : {}) };
  const name = `${Date.now().toString().padStart(15, '0')}-${randomUUID()}.json`;
  const file = path.join(dir, name);
  const tmp = `${file}.tmp`;
  const inbox = watchInbox(dir);
  try {
    fs.writeFileSync(tmp, JSON.stringify(request));
    fs.renameSync(tmp, file);
    const deadline = Date.now() + options.timeoutMs;
    await untilTaken(file, deadline, inbox, options.signal);
  } finally {
    inbox.close();
  }
}

async function untilTaken(file: string, deadline: number, inbox: InboxWatch, signal: (() => boolean) | undefined): Promise<void> {
  for (;;) {
    if (!fs.existsSync(file) && !fs.existsSync(`${file}.taking`)) return;
    if (Date.now() >= deadline || signal?.()) {
      try {
        fs.renameSync(file, `${file}.withdrawn`);
        fs.rmSync(`${file}.withdrawn`, { force: true });
        throw new HandoffTimeoutError('the process holding the workspace database did not take the write in time; nothing was recorded');
      } catch (err) {
        if (err instanceof HandoffTimeoutError) throw err;
        // the holder claimed it meanwhile: it is being appended, wait for that
      }
    }
    await inbox.change();
  }
}

/**
 * Asks the lock holder for the review rows a decision needs. Undefined when no answer came in time
 * (a holder that is gone, stalled, or too old to answer): the asker then reads the database itself.
 */
export async function askReviews(dbDir: string, question: ReviewQuestion, options: { timeoutMs: number; signal?: () => boolean }): Promise<ReviewDelta | undefined> {
  const dir = path.join(dbDir, INBOX_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${Date.now().toString().padStart(15, '0')}-${randomUUID()}${ASK}`);
  const answer = `${file.slice(0, -ASK.length)}${ANSWER}`;
  const inbox = watchInbox(dir);
  const deadline = Date.now() + options.timeoutMs;
  try {
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(question));
    fs.renameSync(`${file}.tmp`, file);
    for (;;) {
      const text = readIfThere(answer);
      if (text !== undefined) return parseDelta(text);
      if (Date.now() >= deadline || options.signal?.()) return undefined;
      await inbox.change();
    }
  } finally {
    // a question is only a read: withdrawing it races nothing (an answer written after this is swept by the holder)
    inbox.close();
    fs.rmSync(file, { force: true });
    fs.rmSync(answer, { force: true });
  }
}

const ASK = '.ask';
const ANSWER = '.answer';
/** An answer nobody took (its asker stopped waiting) is removed by the holder after this long. */
const STALE_ANSWER_MS = 60_000;

function parseDelta(text: string): ReviewDelta | undefined {
  try {
    const v = JSON.parse(text) as { states?: unknown; seen?: unknown };
    if (typeof v.seen !== 'number' || !Array.isArray(v.states) || !v.states.every((s) => typeof s === 'string')) return undefined;
    return { seen: v.seen, states: v.states as string[] };
  } catch {
    return undefined; // read while the holder wrote it cannot happen (a rename), so this is damage: read the database instead
  }
}

function readIfThere(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Wakes a waiter on a change in the inbox, or after a short poll where change notices do not come (a network folder). */
interface InboxWatch {
  change(): Promise<void>;
  close(): void;
}

function watchInbox(dir: string): InboxWatch {
  let wake: (() => void) | undefined;
  let changed = false;
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(dir, () => {
      changed = true;
      wake?.();
    });
    watcher.on('error', () => undefined);
  } catch {
    // no change notices here: the poll alone
  }
  let delay = 1;
  return {
    change: () => {
      if (changed) {
        changed = false;
        return Promise.resolve();
      }
      delay = Math.min(delay * 2, watcher ? 16 : 4);
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, delay);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          changed = false;
          resolve();
        }
        wake = done;
      });
    },
    close: () => watcher?.close(),
  };
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
  // questions are answered in turn with the appends, so an asker reads its own earlier decisions
  const waiting = names.filter((n) => n.endsWith('.json') || n.endsWith(ASK)).sort();
  for (const name of names.filter((n) => n.endsWith(ANSWER))) sweepAnswer(path.join(dir, name));
  for (const name of [...claimed.map((n) => n.slice(0, -'.taking'.length)), ...waiting]) {
    const file = path.join(dir, name);
    if (name.endsWith(ASK)) {
      answer(file, store);
      continue;
    }
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

/** Answers a question with the review rows from this image; a question its asker withdrew is skipped. */
function answer(file: string, store: SqlEventStore): void {
  const text = readIfThere(file);
  if (text === undefined) return;
  let question: ReviewQuestion;
  try {
    const v = JSON.parse(text) as { seen?: unknown; runIds?: unknown };
    if ((v.seen !== undefined && typeof v.seen !== 'number') || !Array.isArray(v.runIds) || !v.runIds.every((r) => typeof r === 'string')) throw new Error('not a question');
    question = { ...(typeof v.seen === 'number' ? { seen: v.seen } : {}), runIds: v.runIds as string[] };
  } catch {
    fs.rmSync(file, { force: true }); // unanswerable: its asker reads the database itself after its timeout
    return;
  }
  const out = `${file.slice(0, -ASK.length)}${ANSWER}`;
  fs.writeFileSync(`${out}.tmp`, JSON.stringify(reviewDelta(store.read, question)));
  fs.renameSync(`${out}.tmp`, out);
  fs.rmSync(file, { force: true });
}

function sweepAnswer(file: string): void {
  try {
    if (Date.now() - fs.statSync(file).mtimeMs > STALE_ANSWER_MS) fs.rmSync(file, { force: true });
  } catch {
    // taken meanwhile
  }
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
