// What the workspace database offers its users (the engine, the hosts, the memory index), apart from
// its sql.js implementation in workspaceDatabase.ts.
import type { Database as SqlJsDatabase } from 'sql.js';
import type { Database } from './database';
import type { LockOwner } from './lock';
import type { DatabaseSchema } from './migrations';
import type { SnapshotCheck } from './snapshotChecksum';

export type OpenMode = 'write' | 'read-only' | 'auto';

export interface OpenOptions {
  /** 'auto' (default) writes if it can take the lock within lockTimeoutMs, else opens read-only. */
  readonly mode?: OpenMode;
  readonly lockTimeoutMs?: number;
  /** Shown to a second process that finds the lock taken ("CLI run", "VS Code window"). */
  readonly purpose?: string;
  /**
   * A checkpoint starts once the journal generation grows past this many bytes, or past an eighth of
   * the last snapshot's size if larger: replay after a crash stays a bounded fraction of load time,
   * and snapshot cost per event stays flat as the database grows.
   */
  readonly snapshotEveryBytes?: number;
  /** Or once the journal holds this many transactions (one per 4 KB of snapshot if more): an open replays about what loading the snapshot costs. */
  readonly snapshotEveryRecords?: number;
  /** Which database this is (the workspace database by default, or the memory index's). */
  readonly schema?: DatabaseSchema;
  /**
   * Writer only: changes made to the image right after the migrations, before anyone else can write,
   * made durable by the snapshot that follows (like a migration) instead of a journal record. Returns
   * whether it changed anything. All of it lands in one snapshot, or none of it.
   */
  readonly seed?: (db: SqlJsDatabase) => boolean;
}

export interface RecoveryReport {
  readonly replayedTransactions: number;
  /** Bytes of a torn journal tail that were cut (write mode) or ignored (read-only). */
  readonly tornBytes: number;
  /** Copies of the journals whose torn tail the writer cut at this open (kept, never deleted). */
  readonly tornKeptAs?: readonly string[];
  /** Whether the snapshot loaded matched its checksum, or predates checksums. */
  readonly snapshotCheck?: SnapshotCheck;
  readonly migratedFrom?: number;
  /** Projections built from the log at open (an upgrade, a new projection, or after `db rebuild`). */
  readonly rebuiltProjections?: readonly string[];
}

export interface CheckpointStats {
  /** How long export() blocked the event loop (appends and everything else). */
  readonly stallMs: number;
  readonly totalMs: number;
  readonly bytes: number;
}

export interface WorkspaceDatabase extends Database {
  /** The directory holding the snapshot, journals and lock. */
  readonly path: string;
  readonly recovery: RecoveryReport;
  /** Read-only openers: who holds the writer lock (for "read-only: the CLI run (pid 4242) is writing"). */
  readonly lockHolder: LockOwner | undefined;
  /** Writes a snapshot of everything written so far and drops the journal generations it replaces. */
  checkpoint(): Promise<CheckpointStats>;
  /** Read-only: applies what the writer has made durable since; returns how many transactions. */
  refresh(): Promise<number>;
  /**
   * Read-only: whether a writer has replaced the snapshot since this image was loaded or refreshed
   * (one stat). Files the old image pointed at may be gone: a refresh brings the image that names
   * their successors. Always false for the writer, whose image is the newest.
   */
  snapshotReplaced(): boolean;
  /** Writer: rewrites the image without free pages (after retention) and snapshots it. */
  vacuum(): Promise<CheckpointStats>;
  /** The journal size at which the writer takes the next snapshot. */
  readonly snapshotThresholdBytes: number;
  readonly lastCheckpoint: CheckpointStats | undefined;
}
