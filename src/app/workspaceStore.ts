// The editor's handle on the workspace database: opened on first use, read-only while another
// process (a CLI run) holds the writer lock, reopened for writing when a run or a review needs it.
import { openStore, type OpenedStore } from './engine';

export class WorkspaceStore {
  private opened: Promise<OpenedStore> | undefined;
  private writable = false;

  constructor(private readonly root: string, private readonly purpose: string) {}

  /** For reading: whatever mode is available now. */
  async read(): Promise<OpenedStore> {
    this.opened ??= openStore(this.root, 'auto', this.purpose).then((o) => {
      this.writable = o.db.lockHolder === undefined;
      return o;
    });
    try {
      return await this.opened;
    } catch (err) {
      this.opened = undefined;
      throw err;
    }
  }

  /** For appending; throws (naming the holder) when another process is writing. */
  async write(): Promise<OpenedStore> {
    const current = await this.read();
    if (this.writable) return current;
    await current.close();
    this.opened = openStore(this.root, 'write', this.purpose, 2_000);
    try {
      const o = await this.opened;
      this.writable = true;
      return o;
    } catch (err) {
      this.opened = undefined;
      throw new Error(`the workspace database is busy (${(err as Error).message}); wait for the other CodeCompanion process to finish`);
    }
  }

  async close(): Promise<void> {
    const o = this.opened;
    this.opened = undefined;
    if (o) await (await o).close();
  }
}
