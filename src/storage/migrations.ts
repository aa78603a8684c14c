// Versioned schema. Append a migration, never edit a shipped one: user databases already ran it.
// Projection tables are not here: each projection carries its DDL and a version, and upgrade()
// (re)builds the ones that are missing or out of date from the event log.
import type { Database as SqlJsDatabase } from 'sql.js';
import { APPLICATION_ID } from './layout';
import { ensureProjections, type Projection } from './projection';
import { PROJECTIONS } from './projections';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** It frees many pages (dropped tables): the opener rewrites the image without them (VACUUM). */
  readonly vacuum?: boolean;
}

/** What one database file holds: its own migrations and projections, and how a user moves it aside. */
export interface DatabaseSchema {
  readonly name: string;
  /** In the SQLite header: tells this database's snapshot from another's (or from a foreign file). */
  readonly applicationId: number;
  readonly migrations: readonly Migration[];
  readonly projections: readonly Projection[];
  /** The command that moves an unusable file of this database aside. */
  readonly moveAside: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'core tables',
    sql: `
      CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        event_count INTEGER NOT NULL DEFAULT 0,
        last_type TEXT NOT NULL DEFAULT ''
      );
      CREATE TABLE events (
        global_seq INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        ts INTEGER NOT NULL,
        data TEXT NOT NULL,
        UNIQUE (run_id, seq)
      );
      CREATE TABLE artifacts (
        artifact_id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX artifacts_run ON artifacts (run_id);
      CREATE TABLE performance (
        id INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        role TEXT NOT NULL,
        task_kind TEXT NOT NULL,
        quality REAL NOT NULL,
        cost_usd REAL,
        latency_ms INTEGER NOT NULL,
        ts INTEGER NOT NULL
      );
      CREATE INDEX performance_model ON performance (provider, model, role);
      CREATE TABLE memory_files (
        path TEXT PRIMARY KEY,
        content_hash TEXT NOT NULL,
        indexed_at INTEGER NOT NULL
      );
      CREATE TABLE memory_chunks (
        chunk_id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,          -- 'file' or 'run'
        path TEXT NOT NULL,            -- workspace-relative file, or run id for run memory
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        symbol TEXT,
        kind TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        text TEXT NOT NULL
      );
      CREATE INDEX memory_chunks_path ON memory_chunks (path);
      CREATE TABLE memory_vectors (
        content_hash TEXT NOT NULL,
        embedder TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (content_hash, embedder)
      );
    `,
  },
  {
    version: 2,
    name: 'persisted projections (run summaries, model performance, spend; built from the log by upgrade()) and retention (compactions)',
    sql: `
      CREATE TABLE IF NOT EXISTS cc_projections (name TEXT PRIMARY KEY, version INTEGER NOT NULL);
      CREATE TABLE compactions (run_id TEXT PRIMARY KEY, compacted_at INTEGER NOT NULL, events_removed INTEGER NOT NULL);
    `,
  },
  {
    version: 3,
    name: 'the memory index moves to its own database (.codecompanion/memory/, src/storage/memoryDatabase.ts); decisions wait in an inbox',
    // The rows were copied into the memory database before this runs (legacyMemory.ts, at the writer's
    // open); a reader's in-memory upgrade drops them from its view only.
    sql: `
      DROP TABLE IF EXISTS memory_vectors;
      DROP TABLE IF EXISTS memory_chunks;
      DROP TABLE IF EXISTS memory_files;
      CREATE TABLE memory_inbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        symbol TEXT,
        kind TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        text TEXT NOT NULL
      );
      CREATE INDEX memory_inbox_key ON memory_inbox (path, content_hash);
      CREATE TABLE memory_inbox_vectors (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        content_hash TEXT NOT NULL,
        embedder TEXT NOT NULL,
        vector BLOB NOT NULL
      );
      CREATE INDEX memory_inbox_vectors_key ON memory_inbox_vectors (content_hash, embedder);
    `,
    vacuum: true,
  },
  {
    version: 4,
    name: 'run archives (a finished run\'s events moved to a file of their own: runArchive.ts)',
    sql: `
      CREATE TABLE run_archives (
        run_id TEXT PRIMARY KEY,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        generation INTEGER NOT NULL,
        events INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        first_global INTEGER NOT NULL,
        last_global INTEGER NOT NULL,
        compacted INTEGER NOT NULL
      );
      CREATE INDEX run_archives_first_global ON run_archives (first_global);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export const WORKSPACE_SCHEMA: DatabaseSchema = {
  name: 'workspace database',
  applicationId: APPLICATION_ID,
  migrations: MIGRATIONS,
  projections: PROJECTIONS,
  moveAside: 'codecompanion db move-aside --yes',
};

/** Brings the database to its last version; each migration runs in its own transaction. */
export function migrate(db: SqlJsDatabase, migrations: readonly Migration[] = MIGRATIONS): number {
  let version = currentVersion(db);
  const target = migrations[migrations.length - 1]?.version ?? 0;
  if (version > target) {
    throw new Error(`the workspace database has schema version ${version}, newer than this CodeCompanion (${target}): update the extension`);
  }
  for (const m of migrations) {
    if (m.version <= version) continue;
    db.exec('BEGIN');
    try {
      db.exec(m.sql);
      db.exec(`PRAGMA user_version = ${m.version}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
    }
    version = m.version;
  }
  return version;
}

export function currentVersion(db: SqlJsDatabase): number {
  const row = db.exec('PRAGMA user_version')[0]?.values[0]?.[0];
  return typeof row === 'number' ? row : 0;
}

export interface Upgrade {
  readonly from: number;
  readonly to: number;
  /** Projections built from the log because they were missing or of another version. */
  readonly rebuilt: readonly string[];
  /** A migration applied freed many pages: rewrite the image before its snapshot. */
  readonly vacuum: boolean;
}

/**
 * Migrates, then builds every projection the database lacks: what opening a database for use does.
 * `archiveDir`: where the database's archived runs are (none for a database that lives in memory).
 */
export function upgrade(db: SqlJsDatabase, schema: DatabaseSchema = WORKSPACE_SCHEMA, archiveDir?: string): Upgrade {
  const from = currentVersion(db);
  const to = migrate(db, schema.migrations);
  const vacuum = schema.migrations.some((m) => m.vacuum && m.version > from && m.version <= to);
  return { from, to, rebuilt: schema.projections.length ? ensureProjections(db, schema.projections, archiveDir) : [], vacuum };
}
