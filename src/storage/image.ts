// Builds the in-memory database from disk: the snapshot, then every journal generation's
// transactions that the snapshot does not already hold, in order. Validates as it goes, and reports
// damage as DatabaseFileError without changing a byte (cutting a torn tail is the writer's job).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database as SqlJsDatabase, Statement } from 'sql.js';
import { loadSqlJs, type SqlValue } from './database';
import { JOURNAL_MAGIC, hasJournalMagic, scanJournal, type JournalRecord } from './journal';
import { APPLICATION_ID, DatabaseFileError, SNAPSHOT_FILE, fileStamp, listJournals } from './layout';
import { snapshotHash, verifySnapshot, type SnapshotCheck } from './snapshotChecksum';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Prepared statements by SQL text: replay and writes run the same few statements over and over. */
export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: SqlJsDatabase) {}

  run(sql: string, params: readonly SqlValue[] | undefined): void {
    // Without parameters sql.js runs the text as a script (several statements); keep that meaning.
    if (!params || params.length === 0) {
      this.db.run(sql);
      return;
    }
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
      if (this.statements.size > 64) this.evictOldest();
    }
    stmt.run(params as SqlValue[]);
  }

  clear(): void {
    for (const stmt of this.statements.values()) stmt.free();
    this.statements.clear();
  }

  private evictOldest(): void {
    const [sql, stmt] = this.statements.entries().next().value as [string, Statement];
    stmt.free();
    this.statements.delete(sql);
  }
}

export function applyTransaction(db: SqlJsDatabase, cache: StatementCache, record: JournalRecord): void {
  db.exec('BEGIN');
  try {
    for (const s of record.statements) cache.run(s.sql, s.params);
    cache.run('UPDATE cc_journal SET last_tx = ? WHERE id = 1', [record.tx]);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/**
 * Replays records in one SQLite transaction (a reader catching up, an open): every COMMIT in sql.js
 * writes its in-memory file and journal, so one per record made replay several times slower. All or
 * none: a record SQLite refuses rolls the batch back and names its transaction.
 */
export function applyTransactions(db: SqlJsDatabase, cache: StatementCache, records: readonly JournalRecord[]): void {
  if (records.length === 0) return;
  db.exec('BEGIN');
  let current = records[0]!.tx;
  try {
    for (const record of records) {
      current = record.tx;
      for (const s of record.statements) cache.run(s.sql, s.params);
    }
    cache.run('UPDATE cc_journal SET last_tx = ? WHERE id = 1', [current]);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw new Error(`transaction ${current} cannot be replayed (${(err as Error).message})`, { cause: err });
  }
}

export interface JournalState {
  readonly generation: number;
  readonly path: string;
  /** End of the last valid frame. */
  readonly validEnd: number;
  readonly tornBytes: number;
  readonly hasRecords: boolean;
  /** Transactions in the file not yet in the snapshot: what the next open replays from it. */
  readonly pending: number;
}

export interface Image {
  readonly db: SqlJsDatabase;
  readonly statements: StatementCache;
  readonly lastTx: number;
  readonly snapshotStamp: string;
  readonly snapshotExists: boolean;
  /** SHA-256 of the snapshot loaded, and whether the sum file vouched for it. */
  readonly snapshotHash: string | undefined;
  readonly snapshotCheck: SnapshotCheck | undefined;
  readonly journals: readonly JournalState[];
  readonly replayed: number;
  readonly tornBytes: number;
}

/** `applicationId`: the schema's, checked in the snapshot's header (the workspace database's by default). */
export async function loadImage(dir: string, applicationId = APPLICATION_ID): Promise<Image> {
  const SQL = await loadSqlJs();
  const snapshotPath = path.join(dir, SNAPSHOT_FILE);
  const snapshotStamp = fileStamp(snapshotPath);
  const bytes = await readIfExists(snapshotPath);
  const hash = bytes ? await snapshotHashAsync(bytes) : undefined;
  const snapshotCheck = hash ? verifySnapshot(dir, snapshotPath, hash) : undefined;
  const db = bytes ? openSnapshot(SQL, snapshotPath, bytes, applicationId, snapshotCheck === 'verified') : new SQL.Database();
  if (!bytes) db.exec(`PRAGMA application_id = ${applicationId}`);
  const statements = new StatementCache(db);
  try {
    db.exec('CREATE TABLE IF NOT EXISTS cc_journal (id INTEGER PRIMARY KEY CHECK (id = 1), last_tx INTEGER NOT NULL); INSERT OR IGNORE INTO cc_journal VALUES (1, 0);');
    let lastTx = Number(db.exec('SELECT last_tx FROM cc_journal')[0]?.values[0]?.[0] ?? 0);
    const journals: JournalState[] = [];
    let replayed = 0;
    for (const file of listJournals(dir)) {
      const buf = await readIfExists(file.path);
      if (!buf) throw new DatabaseFileError(file.path, 'the journal vanished while it was read');
      const scan = scanJournalFile(file.path, buf);
      const torn = journals.find((j) => j.tornBytes > 0);
      if (torn && scan.records.length > 0) throw new DatabaseFileError(torn.path, 'a journal generation is damaged before a later one');
      const fresh: JournalRecord[] = [];
      for (const record of scan.records) {
        if (record.tx <= lastTx) continue;
        if (record.tx !== lastTx + 1) throw new DatabaseFileError(file.path, `transaction ${lastTx + 1} is missing before ${record.tx}`);
        fresh.push(record);
        lastTx = record.tx;
      }
      try {
        applyTransactions(db, statements, fresh);
      } catch (err) {
        // an intact frame that SQLite refuses was not written by this program: report, never skip
        throw new DatabaseFileError(file.path, (err as Error).message);
      }
      replayed += fresh.length;
      journals.push({ generation: file.generation, path: file.path, validEnd: scan.validEnd, tornBytes: scan.tornBytes, hasRecords: scan.records.length > 0, pending: fresh.length });
    }
    // A writer's snapshot may have replaced the one read here and dropped the journals it absorbed:
    // the old snapshot with only the new (maybe empty) journal would be an older state that looks
    // whole. A changed snapshot is a gap like a vanished journal: the caller reads again.
    if (fileStamp(snapshotPath) !== snapshotStamp) throw new DatabaseFileError(snapshotPath, 'the snapshot was replaced while it was read');
    const tornBytes = journals.reduce((n, j) => n + j.tornBytes, 0);
    return { db, statements, lastTx, snapshotStamp, snapshotExists: bytes !== undefined, snapshotHash: hash, snapshotCheck, journals, replayed, tornBytes };
  } catch (err) {
    statements.clear();
    db.close();
    throw err;
  }
}

function openSnapshot(SQL: Awaited<ReturnType<typeof loadSqlJs>>, file: string, bytes: Buffer, applicationId: number, verified: boolean): SqlJsDatabase {
  if (bytes.length < 100 || !bytes.subarray(0, 16).equals(SQLITE_HEADER)) throw new DatabaseFileError(file, 'not an SQLite file');
  let db: SqlJsDatabase;
  try {
    db = new SQL.Database(bytes);
  } catch (err) {
    throw new DatabaseFileError(file, `SQLite cannot read it: ${(err as Error).message}`);
  }
  try {
    const appId = db.exec('PRAGMA application_id')[0]?.values[0]?.[0];
    if (appId !== applicationId) throw new DatabaseFileError(file, 'an SQLite database that CodeCompanion did not create (or one of its databases in the wrong place)');
    // Walks every page's structure (not a full integrity_check): damage deep in the file is found
    // here, before a snapshot could copy it forward. A snapshot its checksum vouches for holds exactly
    // the bytes a writer exported, so the walk (a cost growing with the database) is only for one
    // that predates checksums.
    if (!verified) {
      const check = db.exec('PRAGMA quick_check(1)')[0]?.values[0]?.[0];
      if (check !== 'ok') throw new DatabaseFileError(file, `SQLite found damage: ${String(check)}`);
    }
    return db;
  } catch (err) {
    db.close();
    if (err instanceof DatabaseFileError) throw err;
    throw new DatabaseFileError(file, `SQLite cannot read it: ${(err as Error).message}`);
  }
}

/** A journal file that is empty or holds part of its magic was torn while being created. */
function scanJournalFile(file: string, buf: Buffer): ReturnType<typeof scanJournal> {
  if (!hasJournalMagic(buf)) {
    if (buf.length < JOURNAL_MAGIC.length && JOURNAL_MAGIC.subarray(0, buf.length).equals(buf)) return { records: [], validEnd: 0, tornBytes: buf.length };
    throw new DatabaseFileError(file, 'not a CodeCompanion journal');
  }
  const scan = scanJournal(buf);
  if (scan.corruptAt !== undefined) throw new DatabaseFileError(file, `damaged at byte ${scan.corruptAt}, with intact records after the damage`);
  return scan;
}

/** Off the event loop: the file is read by libuv's threads, and hashed a slice per turn of the loop. */
async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.promises.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const HASH_SLICE = 8 * 1024 * 1024;

async function snapshotHashAsync(bytes: Buffer): Promise<string> {
  if (bytes.length <= HASH_SLICE) return snapshotHash(bytes);
  const hash = createHash('sha256');
  for (let at = 0; at < bytes.length; at += HASH_SLICE) {
    hash.update(bytes.subarray(at, at + HASH_SLICE));
    await new Promise((r) => setImmediate(r));
  }
  return hash.digest('hex');
}
