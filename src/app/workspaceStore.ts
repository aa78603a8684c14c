// The editor's handle on the workspace database. Reads go through a read-only handle that follows
// what any writer (this window's or a CLI's) has made durable; the writer lock is taken only while
// something writes: a run, a review decision, indexing. Each write() is paired with a release(), and
// the writer closes a moment after the last one, so a CLI run beside an idle window can write instead
// of waiting on it. Only write() holders ever see the writer, so closing it never pulls a database
// out from under a reader.
import * as path from 'node:path';
import { databaseDir, LOCK_FILE } from '../storage/layout';
import { liveLockOwner, type LockOwner } from '../storage/lock';
import { DAY_MS, DEFAULT_RETENTION_DAYS } from '../storage/retention';
import { openStore, type OpenedStore } from './openStore';

/** How long the writer stays open after the last release: back-to-back decisions reuse it. */
const WRITER_LINGER_MS = 1_000;

export class WorkspaceStore {
  private reader: Promise<OpenedStore> | undefined;
  private writer: Promise<OpenedStore> | undefined;
  private writers = 0;
  /** The last writer's close (its snapshot, its retention pass): a new writer waits for it. */
  private closing: Promise<void> | undefined;
  private linger: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly root: string,
    private readonly purpose: string,
    private readonly lingerMs = WRITER_LINGER_MS,
    /** Days after which a finished run's streams are compacted at the writer's open (0: never). */
    private readonly retentionDays: () => number = () => DEFAULT_RETENTION_DAYS,
  ) {}

  /** For reading: a read-only view, brought up to date with every writer's durable writes. */
  async read(): Promise<OpenedStore> {
    this.reader ??= openStore(this.root, 'read-only', this.purpose);
    const pending = this.reader;
    try {
      const opened = await pending;
      await opened.db.refresh();
      return opened;
    } catch (err) {
      if (this.reader === pending) this.reader = undefined;
      throw err;
    }
  }

  /** For appending, until the matching release(); throws (naming the holder) when another process is writing. */
  async write(lockTimeoutMs = 2_000): Promise<OpenedStore> {
    this.writers++;
    clearTimeout(this.linger);
    this.linger = undefined;
    const days = this.retentionDays();
    // this window's own lingering writer may still be closing (holding the lock): wait for it, never hand off to it
    if (!this.writer && this.closing) await this.closing;
    this.writer ??= openStore(this.root, 'write', this.purpose, { lockTimeoutMs, retentionMs: days > 0 ? days * DAY_MS : undefined });
    const pending = this.writer;
    try {
      return await pending;
    } catch (err) {
      this.writers--;
      if (this.writer === pending) this.writer = undefined;
      throw new Error(`the workspace database is busy (${(err as Error).message}); wait for the other CodeCompanion process to finish`, { cause: err });
    }
  }

  /** Ends one write(); after the last one the writer lock goes back shortly. */
  release(): void {
    if (this.writers === 0) return;
    if (--this.writers > 0) return;
    clearTimeout(this.linger);
    this.linger = setTimeout(() => {
      this.linger = undefined;
      const writer = this.writer;
      if (this.writers > 0 || !writer) return;
      this.writer = undefined;
      const closing = writer.then((o) => o.close()).catch(() => undefined);
      this.closing = closing;
      void closing.finally(() => {
        if (this.closing === closing) this.closing = undefined;
      });
    }, this.lingerMs);
  }

  /** Another process writing the workspace database now (a CLI run, another window), if any. */
  writerElsewhere(): LockOwner | undefined {
    if (this.writer || this.closing) return undefined;
    return liveLockOwner(path.join(databaseDir(this.root), LOCK_FILE));
  }

  /** Whether this window holds the writer lock right now. */
  get writing(): boolean {
    return this.writer !== undefined;
  }

  async close(): Promise<void> {
    clearTimeout(this.linger);
    const handles = [this.reader, this.writer];
    this.reader = this.writer = undefined;
    this.writers = 0;
    for (const h of handles) if (h) await (await h.catch(() => undefined))?.close();
  }
}
