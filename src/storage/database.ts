// The workspace database as the rest of storage sees it. The durable implementation (journal +
// snapshots + lock) lives in workspaceDatabase.ts; openInMemoryDatabase is for tests and tools
// that need the schema without a file.
import initSqlJs, { type Database as SqlJsDatabase, type SqlJsStatic } from 'sql.js';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { upgrade } from './migrations';

export type SqlValue = number | string | Uint8Array | null;

export interface SqlStatement {
  readonly sql: string;
  readonly params?: readonly SqlValue[];
}

export interface Database {
  readonly readOnly: boolean;
  /** The directory holding the database's files; undefined for a database that lives in memory. */
  readonly path?: string;
  /** A reader: applies what the writer has made durable since it loaded; resolves to how many transactions. */
  refresh?(): Promise<number>;
  /** A reader: whether a writer replaced the snapshot since this image was loaded (files it points at may be gone). */
  snapshotReplaced?(): boolean;
  /** Reads from the in-memory image: always sees every write that has resolved. */
  all<T = Record<string, SqlValue>>(sql: string, params?: readonly SqlValue[]): T[];
  /** Applies the statements as one transaction and resolves once they are durable. */
  write(statements: readonly SqlStatement[]): Promise<void>;
  close(): Promise<void>;
}

let sqlJs: Promise<SqlJsStatic> | undefined;

/** Loads sql.js once per process; finds its wasm next to the bundle (dist/) or in node_modules. */
export function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= initSqlJs({ locateFile: (file: string) => locateWasm(file) });
  return sqlJs;
}

function locateWasm(file: string): string {
  const candidates = [
    path.join(__dirname, file),
    path.join(__dirname, '..', 'dist', file),
    path.join(process.cwd(), 'node_modules', 'sql.js', 'dist', file),
  ];
  try {
    candidates.push(path.join(path.dirname(require.resolve('sql.js')), file));
  } catch {
    // bundled: require.resolve is unavailable; the first candidates cover it
  }
  return candidates.find((c) => fs.existsSync(c)) ?? file;
}

export function queryAll<T>(db: SqlJsDatabase, sql: string, params: readonly SqlValue[] = []): T[] {
  const stmt = db.prepare(sql);
  try {
    stmt.bind(params as SqlValue[]);
    const rows: T[] = [];
    // the column names once, not once per row as getAsObject() reads them
    let names: string[] | undefined;
    while (stmt.step()) {
      names ??= stmt.getColumnNames();
      const values = stmt.get();
      const row: Record<string, SqlValue> = {};
      for (let i = 0; i < names.length; i++) row[names[i]!] = values[i] as SqlValue;
      rows.push(row as T);
    }
    return rows;
  } finally {
    stmt.free();
  }
}

export function runInTransaction(db: SqlJsDatabase, statements: readonly SqlStatement[]): void {
  db.exec('BEGIN');
  try {
    for (const s of statements) db.run(s.sql, (s.params ?? []) as SqlValue[]);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/** A migrated database that lives only in memory: nothing is durable. */
export async function openInMemoryDatabase(): Promise<Database> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  upgrade(db);
  return {
    readOnly: false,
    all: (sql, params) => queryAll(db, sql, params),
    write: async (statements) => runInTransaction(db, statements),
    close: async () => db.close(),
  };
}
