// Versioned schema. Append a migration, never edit a shipped one: user databases already ran it.
// Projection tables are not here: each projection carries its DDL and a version, and upgrade()
// (re)builds the ones that are missing or out of date from the event log.
import type { Database as SqlJsDatabase } from 'sql.js';
import { ensureProjections } from './projection';
import { PROJECTIONS } from './projections';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
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

/** Brings the database to SCHEMA_VERSION; each migration runs in its own transaction. */
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
}

/**
 * Migrates, then builds every projection the database lacks: what opening a database for use does.
 * `archiveDir`: where the database's archived runs are (none for a database that lives in memory).
 */
export function upgrade(db: SqlJsDatabase, archiveDir?: string): Upgrade {
  const from = currentVersion(db);
  const to = migrate(db);
  return { from, to, rebuilt: ensureProjections(db, PROJECTIONS, archiveDir) };
}
