// The memory index's own database (.codecompanion/memory/): file and run chunks, their embeddings, and
// a little bookkeeping. Kept apart from the event log so that opening the workspace, recording a
// decision or taking a snapshot of the events never loads or rewrites the index. Append a migration,
// never edit a shipped one.
import { MEMORY_APPLICATION_ID } from './layout';
import type { DatabaseSchema, Migration } from './migrations';

const MEMORY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'memory index (the tables of the workspace database\'s migration 1, moved here by its migration 3)',
    sql: `
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
      -- 'legacy_import': the rows of an older workspace database were copied here (legacyMemory.ts)
      CREATE TABLE memory_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `,
  },
];

export const MEMORY_SCHEMA: DatabaseSchema = {
  name: 'memory index',
  applicationId: MEMORY_APPLICATION_ID,
  migrations: MEMORY_MIGRATIONS,
  projections: [],
  moveAside: 'codecompanion db move-aside --memory --yes',
};
