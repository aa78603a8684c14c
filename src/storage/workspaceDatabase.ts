// The durable workspace database: sql.js in memory, persisted as a snapshot (state.sqlite, written
// whole, atomically) plus a journal of every write transaction since (journal.log, fsync'ed in
// batches). Opening loads the snapshot and replays the journal's valid records; a writer lock keeps
// a second process from writing at the same time.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database as SqlJsDatabase } from 'sql.js';
import { loadSqlJs, queryAll, type Database, type SqlStatement, type SqlValue } from './database';
import { JournalWriter, JOURNAL_MAGIC, encodeRecord, hasJournalMagic, scanJournal, type JournalRecord } from './journal';
import { LockedError, WriterLock } from './lock';
import { migrate } from './migrations';

/** 'CCmp' in the SQLite header's application_id: tells our database from someone else's SQLite file. */
export const APPLICATION_ID = 0x43436d70;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export const DB_DIR = '.codecompanion';
export const SNAPSHOT_FILE = 'state.sqlite';
export const JOURNAL_FILE = 'journal.log';
export const LOCK_FILE = 'writer.lock';

export type OpenMode = 'write' | 'read-only' | 'auto';

export interface OpenOptions {
  /** 'auto' (default) writes if it can take the lock within lockTimeoutMs, else opens read-only. */
  readonly mode?: OpenMode;
  readonly lockTimeoutMs?: number;
  /** Shown to a second process that finds the lock taken ("CLI run", "VS Code window"). */
  readonly purpose?: string;
  /**
   * A snapshot is taken once the journal grows past this many bytes, or past an eighth of the last
   * snapshot's size if larger: replay time after a crash stays a bounded fraction of load time,
   * and snapshot cost per event stays flat as the database grows.
   */
  readonly snapshotJournalBytes?: number;
}

export interface RecoveryReport {
  readonly replayedTransactions: number;
  /** Bytes of a torn journal tail that were cut (write mode) or ignored (read-only). */
  readonly tornBytes: number;
  readonly migratedFrom?: number;
}

export class DatabaseFileError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file} is not a usable CodeCompanion database (${reason}). It was left untouched: move it aside (codecompanion db move-aside) or restore it, then try again`);
    this.name = 'DatabaseFileError';
  }
}

export interface WorkspaceDatabase extends Database {
  readonly dir: string;
  readonly recovery: RecoveryReport;
  /** Writes a snapshot and empties the journal. */
  checkpoint(): Promise<void>;
  /** Read-only: applies what the writer has appended since; returns how many transactions. */
  refresh(): Promise<number>;
  /** The journal size at which the writer takes the next snapshot. */
  readonly snapshotThresholdBytes: number;
}

export function databaseDir(workspaceRoot: string): string {
  return path.join(workspaceRoot, DB_DIR);
}

export async function openWorkspaceDatabase(workspaceRoot: string, options: OpenOptions = {}): Promise<WorkspaceDatabase> {
  return openDatabaseAt(databaseDir(workspaceRoot), options);
}

export async function openDatabaseAt(dir: string, options: OpenOptions = {}): Promise<WorkspaceDatabase> {
  const mode = options.mode ?? 'auto';
  fs.mkdirSync(dir, { recursive: true });
  ensureGitignore(dir);
  let lock: WriterLock | undefined;
  if (mode !== 'read-only') {
    try {
      lock = await WriterLock.acquire(path.join(dir, LOCK_FILE), options.purpose ?? `pid ${process.pid}`, options.lockTimeoutMs ?? (mode === 'write' ? 10_000 : 2_000));
    } catch (err) {
      if (!(err instanceof LockedError) || mode === 'write') throw err;
    }
  }
  try {
    const image = await loadImage(dir, lock !== undefined);
    const db = new SqlJsWorkspaceDatabase(dir, image, lock, options.snapshotJournalBytes ?? 4 * 1024 * 1024);
    if (lock && image.migratedFrom !== undefined) await db.checkpoint();
    return db;
  } catch (err) {
    lock?.releaseSync();
    throw err;
  }
}

/** Renames the database files aside (after the user agreed) so a fresh database can be created. */
export function moveDatabaseAside(dir: string, now = Date.now()): string[] {
  const moved: string[] = [];
  for (const name of [SNAPSHOT_FILE, JOURNAL_FILE]) {
    const from = path.join(dir, name);
    if (!fs.existsSync(from)) continue;
    const to = path.join(dir, `${name}.aside-${now}`);
    fs.renameSync(from, to);
    moved.push(to);
  }
  return moved;
}

interface Image {
  readonly db: SqlJsDatabase;
  readonly lastTx: number;
  readonly journalFd: number | undefined;
  readonly journalEnd: number;
  readonly snapshotStamp: string;
  readonly replayed: number;
  readonly tornBytes: number;
  readonly migratedFrom: number | undefined;
}

async function loadImage(dir: string, writable: boolean): Promise<Image> {
  const SQL = await loadSqlJs();
  const snapshotPath = path.join(dir, SNAPSHOT_FILE);
  const snapshotStamp = stampOf(snapshotPath);
  let db: SqlJsDatabase;
  if (fs.existsSync(snapshotPath)) {
    const bytes = fs.readFileSync(snapshotPath);
    if (bytes.length < 100 || !bytes.subarray(0, 16).equals(SQLITE_HEADER)) throw new DatabaseFileError(snapshotPath, 'not an SQLite file');
    try {
      db = new SQL.Database(bytes);
      db.exec('SELECT count(*) FROM sqlite_master');
    } catch (err) {
      throw new DatabaseFileError(snapshotPath, `SQLite cannot read it: ${(err as Error).message}`);
    }
    const appId = db.exec('PRAGMA application_id')[0]?.values[0]?.[0];
    if (appId !== APPLICATION_ID) {
      db.close();
      throw new DatabaseFileError(snapshotPath, 'an SQLite database that CodeCompanion did not create');
    }
  } else {
    db = new SQL.Database();
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
  }
  db.exec('CREATE TABLE IF NOT EXISTS cc_journal (id INTEGER PRIMARY KEY CHECK (id = 1), last_tx INTEGER NOT NULL); INSERT OR IGNORE INTO cc_journal VALUES (1, 0);');
  let lastTx = Number(db.exec('SELECT last_tx FROM cc_journal')[0]?.values[0]?.[0] ?? 0);

  const journalPath = path.join(dir, JOURNAL_FILE);
  const { records, validEnd, tornBytes } = readJournal(journalPath);
  let replayed = 0;
  for (const record of records) {
    if (record.tx <= lastTx) continue;
    if (record.tx !== lastTx + 1) {
      db.close();
      throw new DatabaseFileError(journalPath, `transaction ${lastTx + 1} is missing before ${record.tx}`);
    }
    applyTransaction(db, record);
    lastTx = record.tx;
    replayed++;
  }

  let journalFd: number | undefined;
  if (writable) {
    journalFd = fs.openSync(journalPath, fs.existsSync(journalPath) ? 'r+' : 'w+');
    if (validEnd < JOURNAL_MAGIC.length) {
      fs.writeSync(journalFd, JOURNAL_MAGIC, 0, JOURNAL_MAGIC.length, 0);
    }
    if (tornBytes > 0 || validEnd < JOURNAL_MAGIC.length) {
      fs.ftruncateSync(journalFd, Math.max(validEnd, JOURNAL_MAGIC.length));
      fs.fsyncSync(journalFd);
    }
  }
  const before = currentVersionOf(db);
  const after = writable ? migrate(db) : before;
  return {
    db,
    lastTx,
    journalFd,
    journalEnd: Math.max(validEnd, JOURNAL_MAGIC.length),
    snapshotStamp,
    replayed,
    tornBytes,
    migratedFrom: after !== before ? before : undefined,
  };
}

function readJournal(journalPath: string): { records: JournalRecord[]; validEnd: number; tornBytes: number } {
  if (!fs.existsSync(journalPath)) return { records: [], validEnd: 0, tornBytes: 0 };
  const buf = fs.readFileSync(journalPath);
  if (buf.length === 0) return { records: [], validEnd: 0, tornBytes: 0 };
  if (!hasJournalMagic(buf)) {
    // A file shorter than the magic that matches its prefix is a journal torn while being created.
    if (buf.length < JOURNAL_MAGIC.length && JOURNAL_MAGIC.subarray(0, buf.length).equals(buf)) return { records: [], validEnd: 0, tornBytes: buf.length };
    throw new DatabaseFileError(journalPath, 'not a CodeCompanion journal');
  }
  return scanJournal(buf);
}

function applyTransaction(db: SqlJsDatabase, record: JournalRecord): void {
  db.exec('BEGIN');
  try {
    for (const s of record.statements) db.run(s.sql, (s.params ?? []) as SqlValue[]);
    db.run('UPDATE cc_journal SET last_tx = ? WHERE id = 1', [record.tx]);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

function currentVersionOf(db: SqlJsDatabase): number {
  const v = db.exec('PRAGMA user_version')[0]?.values[0]?.[0];
  return typeof v === 'number' ? v : 0;
}

function stampOf(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'none';
  }
}

function ensureGitignore(dir: string): void {
  const file = path.join(dir, '.gitignore');
  if (!fs.existsSync(file)) fs.writeFileSync(file, '# CodeCompanion workspace database: local state, never committed\n*\n');
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

class SqlJsWorkspaceDatabase implements WorkspaceDatabase {
  readonly readOnly: boolean;
  readonly recovery: RecoveryReport;
  private db: SqlJsDatabase;
  private lastTx: number;
  private readonly journal: JournalWriter | undefined;
  private journalFd: number | undefined;
  private readOffset: number;
  private snapshotStamp: string;
  private snapshotting: Promise<void> | undefined;
  private closed = false;

  constructor(readonly dir: string, image: Image, private readonly lock: WriterLock | undefined, private readonly snapshotJournalBytes: number) {
    this.db = image.db;
    this.lastTx = image.lastTx;
    this.readOnly = lock === undefined;
    this.journalFd = image.journalFd;
    this.journal = image.journalFd !== undefined ? new JournalWriter(image.journalFd, image.journalEnd) : undefined;
    this.readOffset = image.journalEnd;
    this.snapshotStamp = image.snapshotStamp;
    this.recovery = { replayedTransactions: image.replayed, tornBytes: image.tornBytes, ...(image.migratedFrom !== undefined ? { migratedFrom: image.migratedFrom } : {}) };
  }

  get snapshotThresholdBytes(): number {
    const snapshotSize = Number(this.snapshotStamp.split(':')[1] ?? 0) || 0;
    return Math.max(this.snapshotJournalBytes, Math.floor(snapshotSize / 8));
  }

  all<T = Record<string, SqlValue>>(sql: string, params?: readonly SqlValue[]): T[] {
    this.assertOpen();
    return queryAll<T>(this.db, sql, params);
  }

  async write(statements: readonly SqlStatement[]): Promise<void> {
    this.assertOpen();
    if (!this.journal) throw new Error('the workspace database is open read-only (another CodeCompanion process holds the writer lock)');
    const record: JournalRecord = { tx: this.lastTx + 1, statements };
    applyTransaction(this.db, record); // throws on bad SQL before anything is journaled
    this.lastTx = record.tx;
    await this.journal.append(encodeRecord(record));
    if (this.journal.bytes > this.snapshotThresholdBytes && !this.snapshotting) {
      this.snapshotting = this.checkpoint().finally(() => (this.snapshotting = undefined));
    }
  }

  async checkpoint(): Promise<void> {
    this.assertOpen();
    if (!this.journal) throw new Error('a read-only database cannot take a snapshot');
    await this.journal.drain();
    // From here to the journal reset everything is synchronous, so no write can slip between the
    // snapshot and the reset: the snapshot holds exactly the transactions the journal is emptied of.
    const image = this.db.export();
    const target = path.join(this.dir, SNAPSHOT_FILE);
    const tmp = `${target}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, image);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
    fsyncDir(this.dir);
    this.journal.reset();
    this.snapshotStamp = stampOf(target);
  }

  async refresh(): Promise<number> {
    this.assertOpen();
    if (!this.readOnly) return 0;
    const journalPath = path.join(this.dir, JOURNAL_FILE);
    if (stampOf(path.join(this.dir, SNAPSHOT_FILE)) !== this.snapshotStamp) return this.reload();
    let buf: Buffer;
    try {
      buf = fs.readFileSync(journalPath);
    } catch {
      return 0;
    }
    if (buf.length < this.readOffset) return this.reload();
    const { records, validEnd } = scanJournal(buf, Math.max(this.readOffset, JOURNAL_MAGIC.length));
    let applied = 0;
    for (const record of records) {
      if (record.tx <= this.lastTx) continue;
      if (record.tx !== this.lastTx + 1) return this.reload();
      applyTransaction(this.db, record);
      this.lastTx = record.tx;
      applied++;
    }
    this.readOffset = validEnd;
    return applied;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.journal) {
        await this.snapshotting;
        await this.journal.drain();
        if (this.journal.bytes > JOURNAL_MAGIC.length) await this.checkpoint().catch(() => undefined);
      }
    } finally {
      this.closed = true;
      if (this.journalFd !== undefined) fs.closeSync(this.journalFd);
      this.db.close();
      this.lock?.releaseSync();
    }
  }

  private async reload(): Promise<number> {
    const before = this.lastTx;
    const image = await loadImage(this.dir, false);
    this.db.close();
    this.db = image.db;
    this.lastTx = image.lastTx;
    this.readOffset = image.journalEnd;
    this.snapshotStamp = image.snapshotStamp;
    return Math.max(0, image.lastTx - before);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the workspace database is closed');
  }
}
