// Opens the workspace database for a host: the read-only follower or the writer, which archives and
// compacts finished runs in the background and takes the decisions other processes hand it. Kept
// apart from the engine's assembly (models, SDKs) so a host that only reads or decides loads none of that.
import { ARCHIVE_AFTER_MS, MAINTENANCE_BUDGET_MS, maintainRuns, type MaintenanceReport } from '../storage/archiver';
import { DAY_MS, DEFAULT_RETENTION_DAYS } from '../storage/retention';
import { serveHandoffs } from '../storage/handoff';
import { SqlEventStore } from '../storage/sqlEventStore';
import { openWorkspaceDatabase, type OpenMode, type WorkspaceDatabase } from '../storage/workspaceDatabase';

export interface OpenedStore {
  readonly db: WorkspaceDatabase;
  readonly store: SqlEventStore;
  /** Archiving and retention started at a writer's open (bounded work, in the background of the caller's own). */
  readonly maintenance: Promise<MaintenanceReport | undefined>;
  close(): Promise<void>;
}

export interface StoreOptions {
  readonly lockTimeoutMs?: number;
  readonly warn?: (message: string) => void;
  /** Finished runs older than this get their streams compacted at a writer's open (undefined: never). */
  readonly retentionMs?: number;
}

/** A damaged journal tail is never cut silently: the user is told where the copy is. */
function reportStderr(message: string): void {
  process.stderr.write(`codecompanion: ${message}\n`);
}

export async function openStore(root: string, mode: OpenMode, purpose: string, options: StoreOptions = {}): Promise<OpenedStore> {
  const warn = options.warn ?? reportStderr;
  const lockTimeoutMs = options.lockTimeoutMs ?? (mode === 'write' ? 10_000 : 0);
  const retentionMs = 'retentionMs' in options ? options.retentionMs : DEFAULT_RETENTION_DAYS * DAY_MS;
  const db = await openWorkspaceDatabase(root, { mode, lockTimeoutMs, purpose });
  for (const copy of db.recovery.tornKeptAs ?? [])
    warn(`the journal had a damaged tail (${db.recovery.tornBytes} bytes after the last intact record); it was cut and the whole file kept as ${copy}. Events after the damage may be missing: 'codecompanion db status' lists such copies`);
  const store = new SqlEventStore(db);
  const maintenance = db.readOnly
    ? Promise.resolve(undefined)
    : maintainRuns(store, { archiveAfterMs: ARCHIVE_AFTER_MS, retentionMs, budgetMs: MAINTENANCE_BUDGET_MS }).catch((err: Error) => {
        warn(`could not archive or compact finished runs (${err.message}); nothing was lost, it is retried at the next open`);
        return undefined;
      });
  // The writer appends what processes without the lock hand it (a review decision beside a run).
  const handoffs = db.readOnly ? undefined : serveHandoffs(db.path, db, store, () => undefined);
  return {
    db,
    store,
    maintenance,
    close: async () => {
      await handoffs?.stop();
      await maintenance;
      await store.close();
    },
  };
}
