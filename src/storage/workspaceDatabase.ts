// The durable workspace database: sql.js in memory, persisted as a snapshot (state.sqlite, replaced
// atomically) plus journal generations holding every write transaction since (fsync'ed per batch).
// Opening loads the snapshot and replays the journals; a writer lock keeps a second process from
// writing at the same time. A checkpoint rotates to a new journal generation in the same tick as it
// exports the image, so the only stall appends see is export(); the file write and fsync run async.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database as SqlJsDatabase } from 'sql.js';
import type { CheckpointStats, OpenOptions, RecoveryReport, WorkspaceDatabase } from './workspaceDatabaseTypes';
import { queryAll, type SqlStatement, type SqlValue } from './database';
import { JOURNAL_MAGIC, JournalWriter, encodeRecord, readJournalFrom, type JournalRecord } from './journal';
import { applyTransaction, applyTransactions, type Image, type StatementCache } from './image';
import { describeOwner, LockedError, WriterLock, type LockOwner } from './lock';
import { DatabaseFileError, LOCK_FILE, SNAPSHOT_FILE, databaseDir, fileStamp, ensureGitignore, listJournals, memoryDirOf, writeFileDurably } from './layout';
import { moveLegacyMemory } from './legacyMemory';
import { MEMORY_SCHEMA } from './memorySchema';
import { WORKSPACE_SCHEMA, type DatabaseSchema } from './migrations';
import { createJournal, follow, openForWriting } from './recovery';
import { snapshotHash, writeSums } from './snapshotChecksum';

/** A closing writer snapshots once its journal holds this fraction of what starts a snapshot anyway. */
const CLOSE_SNAPSHOT_FRACTION = 4;
/**
 * Or once it holds this many records, whatever the thresholds: a record can be a decision's whole
 * review row (about 9 KB for 20 hunks), and replaying a few dozen of those at every open cost more than
 * the snapshot saved (measured by `npm run bench -- review`, the terminal's decisions with no run).
 */
const CLOSE_SNAPSHOT_RECORDS = 16;

export type { CheckpointStats, OpenMode, OpenOptions, RecoveryReport, WorkspaceDatabase } from './workspaceDatabaseTypes';
export { moveDatabaseAside } from './moveAside';

export async function openWorkspaceDatabase(workspaceRoot: string, options: OpenOptions = {}): Promise<WorkspaceDatabase> {
  return openDatabaseAt(databaseDir(workspaceRoot), options);
}

/** Opens the database kept in `dir` (tests and tools; the workspace's is `<root>/.codecompanion`). */
export async function openDatabaseAt(dir: string, options: OpenOptions = {}): Promise<WorkspaceDatabase> {
  const schema = options.schema ?? WORKSPACE_SCHEMA;
  try {
    return await openWith(dir, schema, options);
  } catch (err) {
    // the hint names the command that moves this database aside, not the other one's
    if (err instanceof DatabaseFileError && err.moveAside !== schema.moveAside) throw new DatabaseFileError(err.file, err.reason, schema.moveAside);
    throw err;
  }
}

async function openWith(dir: string, schema: DatabaseSchema, options: OpenOptions): Promise<WorkspaceDatabase> {
  const mode = options.mode ?? 'auto';
  const threshold = { bytes: options.snapshotEveryBytes ?? 4 * 1024 * 1024, records: options.snapshotEveryRecords ?? 500 };
  const reader = async (owner?: LockOwner) => new SqlJsWorkspaceDatabase(dir, await follow(dir, schema), undefined, threshold, owner, schema);
  if (mode === 'read-only') return reader();
  let lock: WriterLock;
  try {
    fs.mkdirSync(dir, { recursive: true });
    ensureGitignore(dir);
    lock = await WriterLock.acquire(path.join(dir, LOCK_FILE), options.purpose ?? `pid ${process.pid}`, options.lockTimeoutMs ?? (mode === 'write' ? 10_000 : 2_000));
  } catch (err) {
    // 'auto' reads what it cannot write: a held lock, or a folder it may not write (a read-only mount)
    if (mode === 'auto' && err instanceof LockedError) return reader(err.owner);
    if (mode === 'auto' && isNotWritable(err)) return reader();
    if (isNotWritable(err)) throw new Error(`cannot write the workspace database in ${dir} (${(err as NodeJS.ErrnoException).code}: the folder is read-only or not yours); read-only commands still work`);
    throw err;
  }
  try {
    // The workspace database of an older version holds the memory index: it moves out before the
    // migration that drops it (at most once; legacyMemory.ts).
    const beforeUpgrade =
      schema === WORKSPACE_SCHEMA
        ? (image: SqlJsDatabase) => moveLegacyMemory(image, (seed) => openDatabaseAt(memoryDirOf(dir), { schema: MEMORY_SCHEMA, mode: 'write', purpose: options.purpose, seed }))
        : undefined;
    const opened = await openForWriting(dir, schema, beforeUpgrade);
    const db = new SqlJsWorkspaceDatabase(dir, opened.image, { lock, ...opened.journal }, threshold, undefined, schema);
    db.tornKeptAs = opened.tornKeptAs;
    if (opened.migratedFrom !== undefined) db.migratedFrom = opened.migratedFrom;
    db.rebuiltProjections = opened.rebuilt;
    const seeded = options.seed?.(opened.image.db) ?? false;
    // migrations, projection builds and seeds are not journaled: the snapshot makes them durable
    if (opened.vacuum) await db.vacuum();
    else if (opened.migratedFrom !== undefined || opened.rebuilt.length > 0 || seeded) await db.checkpoint();
    return db;
  } catch (err) {
    lock.releaseSync();
    throw err;
  }
}

export interface WriterState {
  readonly lock: WriterLock;
  readonly fd: number;
  readonly size: number;
  readonly generation: number;
}

class SqlJsWorkspaceDatabase implements WorkspaceDatabase {
  readonly readOnly: boolean;
  migratedFrom: number | undefined;
  rebuiltProjections: readonly string[] = [];
  tornKeptAs: readonly string[] = [];
  lastCheckpoint: CheckpointStats | undefined;
  private db: SqlJsDatabase;
  private statements: StatementCache;
  private lastTx: number;
  private readonly journal: JournalWriter | undefined;
  private generation: number;
  private readOffsets = new Map<number, number>();
  private snapshotSize: number;
  private journalRecords: number;
  private checkpointing: Promise<CheckpointStats> | undefined;
  private closing = false;
  private closed = false;
  private readonly initial: Image;
  private snapshotHash: string | undefined;
  private snapshotStamp: string;

  constructor(
    readonly path: string,
    image: Image,
    private readonly writer: WriterState | undefined,
    private readonly snapshotEvery: { readonly bytes: number; readonly records: number },
    readonly lockHolder: LockOwner | undefined = undefined,
    private readonly schema: DatabaseSchema = WORKSPACE_SCHEMA,
  ) {
    this.initial = image;
    this.db = image.db;
    this.statements = image.statements;
    this.lastTx = image.lastTx;
    this.snapshotHash = image.snapshotHash;
    this.snapshotStamp = image.snapshotStamp;
    this.readOnly = writer === undefined;
    this.journal = writer ? new JournalWriter(writer.fd, writer.size) : undefined;
    this.generation = writer?.generation ?? 0;
    this.snapshotSize = Number(image.snapshotStamp.split(':')[1] ?? 0) || 0;
    this.journalRecords = image.journals.reduce((n, j) => n + j.pending, 0);
    for (const j of image.journals) this.readOffsets.set(j.generation, Math.max(j.validEnd, JOURNAL_MAGIC.length));
  }

  get recovery(): RecoveryReport {
    const { replayed, tornBytes, snapshotCheck } = this.initial;
    return {
      replayedTransactions: replayed,
      tornBytes,
      ...(this.tornKeptAs.length ? { tornKeptAs: this.tornKeptAs } : {}),
      ...(snapshotCheck ? { snapshotCheck } : {}),
      ...(this.migratedFrom !== undefined ? { migratedFrom: this.migratedFrom } : {}),
      ...(this.rebuiltProjections.length ? { rebuiltProjections: this.rebuiltProjections } : {}),
    };
  }

  get snapshotThresholdBytes(): number {
    return Math.max(this.snapshotEvery.bytes, Math.floor(this.snapshotSize / 8));
  }

  private get snapshotThresholdRecords(): number {
    return Math.max(this.snapshotEvery.records, Math.floor(this.snapshotSize / 4096));
  }

  all<T = Record<string, SqlValue>>(sql: string, params?: readonly SqlValue[]): T[] {
    this.assertOpen();
    return queryAll<T>(this.db, sql, params);
  }

  async write(statements: readonly SqlStatement[]): Promise<void> {
    this.assertOpen();
    if (!this.journal) throw new Error(`the workspace database is open read-only (${holderText(this.lockHolder)} holds the writer lock)`);
    if (this.journal.failed) throw this.journal.failed;
    const record: JournalRecord = { tx: this.lastTx + 1, statements };
    const encoded = encodeRecord(record); // throws on an unstorable value before anything changes
    applyTransaction(this.db, this.statements, record); // throws on bad SQL, rolled back, nothing journaled
    this.lastTx = record.tx;
    const durable = this.journal.append(encoded);
    this.journalRecords++;
    if ((this.journal.bytes > this.snapshotThresholdBytes || this.journalRecords > this.snapshotThresholdRecords) && !this.checkpointing) {
      // A failed background snapshot leaves the journals in place; the next threshold retries it.
      this.checkpoint().catch(() => undefined);
    }
    await durable;
  }

  async checkpoint(): Promise<CheckpointStats> {
    this.assertOpen();
    if (!this.journal) throw new Error('a read-only database cannot take a snapshot');
    while (this.checkpointing) await this.checkpointing.catch(() => undefined);
    this.checkpointing = this.runCheckpoint();
    try {
      return await this.checkpointing;
    } finally {
      this.checkpointing = undefined;
    }
  }

  private async runCheckpoint(): Promise<CheckpointStats> {
    const journal = this.journal!;
    const started = performance.now();
    const generation = this.generation + 1;
    const next = await createJournal(this.path, generation);
    if (journal.failed) {
      fs.closeSync(next);
      throw journal.failed; // the image may hold writes that were refused: never snapshot it
    }
    // One synchronous step: the image holds exactly the transactions before the rotation, and every
    // frame written after it goes to the new generation.
    const exportStart = performance.now();
    const image = this.db.export();
    const stallMs = performance.now() - exportStart;
    let oldClosed!: () => void;
    const switched = new Promise<void>((resolve) => (oldClosed = resolve));
    this.journalRecords = 0;
    journal.rotate(next, JOURNAL_MAGIC.length, (oldFd) => {
      fs.closeSync(oldFd);
      oldClosed();
    });
    this.generation = generation;
    const hash = snapshotHash(image);
    await writeSnapshot(this.path, image, hash, this.snapshotHash);
    this.snapshotHash = hash;
    this.snapshotSize = image.length;
    await switched;
    for (const old of listJournals(this.path)) if (old.generation < generation) await fs.promises.rm(old.path, { force: true });
    const stats = { stallMs, totalMs: performance.now() - started, bytes: image.length };
    this.lastCheckpoint = stats;
    return stats;
  }

  async vacuum(): Promise<CheckpointStats> {
    this.assertOpen();
    if (!this.journal) throw new Error('a read-only database cannot be vacuumed');
    await this.journal.idle();
    while (this.checkpointing) await this.checkpointing.catch(() => undefined);
    // Same content, fewer pages: nothing to journal; the snapshot that follows makes it durable.
    this.statements.clear();
    this.db.exec('VACUUM');
    return this.checkpoint();
  }

  async refresh(): Promise<number> {
    this.assertOpen();
    if (!this.readOnly) return 0;
    const before = this.lastTx;
    // The writer took a snapshot since: its closing checkpoint may leave nothing but a new, empty
    // journal generation, so the journals alone cannot tell what this reader missed.
    if (fileStamp(path.join(this.path, SNAPSHOT_FILE)) !== this.snapshotStamp) return this.reload(before);
    for (const file of listJournals(this.path)) {
      const offset = this.readOffsets.get(file.generation) ?? JOURNAL_MAGIC.length;
      const { records, validEnd } = readJournalFrom(file.path, offset);
      const fresh: JournalRecord[] = [];
      let last = this.lastTx;
      for (const record of records) {
        if (record.tx <= last) continue;
        // The writer took a snapshot and dropped journal generations this reader never saw.
        if (record.tx !== last + 1) return this.reload(before);
        fresh.push(record);
        last = record.tx;
      }
      applyTransactions(this.db, this.statements, fresh);
      this.lastTx = last;
      this.readOffsets.set(file.generation, offset + validEnd);
    }
    return this.lastTx - before;
  }

  snapshotReplaced(): boolean {
    this.assertOpen();
    return this.readOnly && fileStamp(path.join(this.path, SNAPSHOT_FILE)) !== this.snapshotStamp;
  }

  async close(): Promise<void> {
    if (this.closed || this.closing) return;
    this.closing = true;
    try {
      if (this.journal) {
        await this.journal.idle();
        while (this.checkpointing) await this.checkpointing.catch(() => undefined);
        // The journal is durable on its own (fsync'ed before each write was acknowledged): a snapshot
        // here only shortens the next open's replay, and costs what the whole database holds. A writer
        // that wrote little (one review decision) leaves its records to be replayed; one whose journal
        // is a good part of the way to the next snapshot anyway takes it now, while it is idle.
        if (this.worthSnapshotAtClose() && !this.journal.failed) await this.checkpointNow().catch(() => undefined);
      }
    } finally {
      this.closed = true;
      this.journal?.close();
      this.statements.clear();
      this.db.close();
      this.writer?.lock.releaseSync();
    }
  }

  /**
   * Past a quarter of either threshold: replaying that much at the next open costs about a quarter of
   * loading the snapshot (the thresholds are set so a full journal replays in about the load time), so
   * opens stay within 1.25x of a fresh snapshot's, while a close that wrote a few records costs their
   * fsync, not an export of the whole image. More than one generation means a snapshot failed or was
   * cut short: take it now.
   */
  private worthSnapshotAtClose(): boolean {
    const journal = this.journal!;
    return (
      journal.bytes > this.snapshotThresholdBytes / CLOSE_SNAPSHOT_FRACTION ||
      this.journalRecords > Math.min(this.snapshotThresholdRecords / CLOSE_SNAPSHOT_FRACTION, CLOSE_SNAPSHOT_RECORDS) ||
      listJournals(this.path).length > 1
    );
  }

  private async checkpointNow(): Promise<CheckpointStats> {
    this.checkpointing = this.runCheckpoint();
    try {
      return await this.checkpointing;
    } finally {
      this.checkpointing = undefined;
    }
  }

  private async reload(before: number): Promise<number> {
    const image = await follow(this.path, this.schema);
    this.statements.clear();
    this.db.close();
    this.db = image.db;
    this.statements = image.statements;
    this.lastTx = image.lastTx;
    this.snapshotHash = image.snapshotHash;
    this.snapshotStamp = image.snapshotStamp;
    this.readOffsets = new Map(image.journals.map((j) => [j.generation, Math.max(j.validEnd, JOURNAL_MAGIC.length)]));
    return Math.max(0, image.lastTx - before);
  }

  private assertOpen(): void {
    if (this.closed || this.closing) throw new Error('the workspace database is closed');
  }
}

function holderText(owner: LockOwner | undefined): string {
  return owner ? `${owner.purpose} ${describeOwner(owner)}` : 'another CodeCompanion process';
}

function isNotWritable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EROFS' || code === 'EACCES' || code === 'EPERM';
}

async function writeSnapshot(dir: string, image: Uint8Array, hash: string, replacing: string | undefined): Promise<void> {
  // the sum vouches for both before the rename: whichever snapshot a crash leaves matches it
  await writeFileDurably(path.join(dir, SNAPSHOT_FILE), image, () => writeSums(dir, hash, replacing));
}
