// The editor's handle on the workspace database. It reads through a read-only handle (which follows
// what any writer, this window's or a CLI's, has made durable) and takes the writer lock only while
// something writes: a run, a review decision, indexing. Each write() is paired with a release();
// the lock goes back a moment after the last release, so a CLI run beside the editor can write
// instead of waiting on a window that is idle.
import { openStore, type OpenedStore } from './engine';

/** How long the writer stays open after the last release: back-to-back decisions reuse it. */
const WRITER_LINGER_MS = 1_000;
/** A handle being replaced may still be read by someone who got it a moment ago. */
const REPLACED_GRACE_MS = 10_000;

export class WorkspaceStore {
  private handle: Promise<OpenedStore> | undefined;
  private mode: 'read' | 'write' | undefined;
  private writers = 0;
  private linger: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly root: string, private readonly purpose: string, private readonly lingerMs = WRITER_LINGER_MS) {}

  /** For reading: the writer while this window holds it, else a read-only view brought up to date. */
  async read(): Promise<OpenedStore> {
    if (!this.handle) {
      this.mode = 'read';
      this.handle = openStore(this.root, 'read-only', this.purpose);
    }
    const mode = this.mode;
    const pending = this.handle;
    try {
      const opened = await pending;
      if (mode === 'read') await opened.db.refresh();
      return opened;
    } catch (err) {
      if (this.handle === pending) this.handle = this.mode = undefined;
      throw err;
    }
  }

  /** For appending, until the matching release(); throws (naming the holder) when another process is writing. */
  async write(): Promise<OpenedStore> {
    this.writers++;
    clearTimeout(this.linger);
    this.linger = undefined;
    if (this.mode !== 'write' || !this.handle) {
      const previous = this.handle;
      this.mode = 'write';
      // set before any await, so a concurrent read() waits for the writer instead of opening a reader
      this.handle = (async () => {
        if (previous) retire(previous, REPLACED_GRACE_MS);
        return openStore(this.root, 'write', this.purpose, 2_000);
      })();
    }
    const pending = this.handle;
    try {
      return await pending;
    } catch (err) {
      this.writers--;
      if (this.handle === pending) this.handle = this.mode = undefined;
      throw new Error(`the workspace database is busy (${(err as Error).message}); wait for the other CodeCompanion process to finish`);
    }
  }

  /** Ends one write(); the last one gives the writer lock back shortly after. */
  release(): void {
    if (this.writers === 0) return;
    if (--this.writers > 0) return;
    clearTimeout(this.linger);
    this.linger = setTimeout(() => {
      this.linger = undefined;
      if (this.writers > 0 || this.mode !== 'write' || !this.handle) return;
      const writer = this.handle;
      this.handle = this.mode = undefined;
      retire(writer, 0);
    }, this.lingerMs);
  }

  /** Whether this window holds the writer lock right now. */
  get writing(): boolean {
    return this.mode === 'write';
  }

  async close(): Promise<void> {
    clearTimeout(this.linger);
    const o = this.handle;
    this.handle = this.mode = undefined;
    this.writers = 0;
    if (o) await (await o.catch(() => undefined))?.close();
  }
}

function retire(handle: Promise<OpenedStore>, afterMs: number): void {
  const close = () => void handle.then((o) => o.close()).catch(() => undefined);
  if (afterMs === 0) close();
  else setTimeout(close, afterMs).unref?.();
}
