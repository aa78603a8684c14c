// The memory index's own database (.codecompanion/memory/): file and run chunks, their keyword index,
// their embeddings, and a little bookkeeping. Kept apart from the event log so that opening the workspace, recording a
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
  {
    version: 2,
    name: 'keyword index on disk (keywordIndex.ts): a search reads its terms\' postings instead of loading every chunk',
    // The postings need core's tokenizer, which SQL does not have: an index that already holds chunks
    // gets them from its writer's next open (memoryDatabase.ts), and until then 'keyword_index' is unset.
    sql: `
      CREATE TABLE memory_terms (
        term TEXT NOT NULL,
        block INTEGER NOT NULL,        -- chunk_id / 1024
        postings BLOB NOT NULL,        -- uint16 offsets in the block, then each one's count (uint16 LE)
        PRIMARY KEY (term, block)
      ) WITHOUT ROWID;
      CREATE TABLE memory_lengths (
        block INTEGER PRIMARY KEY,
        lengths BLOB NOT NULL          -- uint16 LE per offset: 0 no chunk, else 1 + tokens; top bit: run memory
      );
      -- whether a search is hybrid asks for any vector of its embedder: without this, a full scan
      CREATE INDEX memory_vectors_embedder ON memory_vectors (embedder);
      INSERT INTO memory_meta (key, value) SELECT 'keyword_index', 1 WHERE NOT EXISTS (SELECT 1 FROM memory_chunks);
    `,
  },
  {
    version: 3,
    name: 'chunk text and embeddings in the blob file beside the database (memoryBlobs.ts), postings as varints (postingsCodec.ts): the image a search loads keeps only rows and compact postings',
    // Rows of an older index keep their text and vectors inline (text_at / vector_at NULL) until the
    // writer's next open moves them out (memoryDatabase.ts); a reader reads either form.
    sql: `
      ALTER TABLE memory_chunks ADD COLUMN text_at INTEGER;
      ALTER TABLE memory_chunks ADD COLUMN text_bytes INTEGER;
      ALTER TABLE memory_vectors ADD COLUMN vector_at INTEGER;
      ALTER TABLE memory_vectors ADD COLUMN vector_bytes INTEGER;
      -- postings as varints (postingsCodec.ts) from now on; an index holding some is converted by its writer
      INSERT INTO memory_meta (key, value) SELECT 'postings_format', 2 WHERE NOT EXISTS (SELECT 1 FROM memory_terms);
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
