// Upgrading a workspace database of schema v1/v2, which held the memory index itself: before its
// migration 3 drops the memory tables, their rows are copied into the memory database. The copy and
// a marker ('legacy_import') reach the memory database's disk in one snapshot (a seed, see
// openDatabaseAt), so a kill leaves either all of it or none of it; the drop is durable only with
// the workspace database's next snapshot. A kill between the two finds the marker at the next open:
// nothing is copied twice, and the drop is done again.
import type { Database as SqlJsDatabase } from 'sql.js';
import { queryAll, type SqlValue } from './database';
import { ensureKeywordIndex } from './keywordIndex';
import { currentVersion } from './migrations';

/** Rows per read of the old tables: the copy never holds the whole index in JavaScript at once. */
const PAGE = 2_000;

/** The workspace database's migration that drops the memory tables. */
const MOVED_AT_VERSION = 3;

export async function moveLegacyMemory(main: SqlJsDatabase, openMemory: (seed: (memory: SqlJsDatabase) => boolean) => Promise<{ close(): Promise<void> }>): Promise<void> {
  if (currentVersion(main) >= MOVED_AT_VERSION || !hasTable(main, 'memory_chunks')) return;
  const rows = Number(queryAll<{ n: number }>(main, 'SELECT (SELECT count(*) FROM memory_chunks) + (SELECT count(*) FROM memory_files) + (SELECT count(*) FROM memory_vectors) AS n')[0]?.n ?? 0);
  if (rows === 0) return;
  let memory: { close(): Promise<void> };
  try {
    memory = await openMemory((db) => copyInto(main, db));
  } catch (err) {
    throw new Error(`could not move the memory index into its own database (${(err as Error).message}); nothing was changed, it is retried at the next open`);
  }
  await memory.close();
}

function copyInto(main: SqlJsDatabase, memory: SqlJsDatabase): boolean {
  if (queryAll(memory, "SELECT 1 FROM memory_meta WHERE key = 'legacy_import'").length > 0) return false;
  memory.exec('BEGIN');
  try {
    // A file the memory database indexed since (it cannot have, but nothing is assumed) keeps its newer chunks.
    const known = new Set(queryAll<{ path: string }>(memory, 'SELECT path FROM memory_files').map((r) => r.path));
    page(main, 'SELECT path, content_hash, indexed_at FROM memory_files', 'path', (r) => {
      if (!known.has(r.path as string)) memory.run('INSERT INTO memory_files (path, content_hash, indexed_at) VALUES (?, ?, ?)', [r.path!, r.content_hash!, r.indexed_at!]);
    });
    const insert = memory.prepare(
      'INSERT INTO memory_chunks (source, path, start_line, end_line, symbol, kind, content_hash, text) ' +
        "SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE ? = 'file' OR NOT EXISTS (SELECT 1 FROM memory_chunks WHERE source = 'run' AND path = ? AND content_hash = ?)",
    );
    try {
      page(main, 'SELECT chunk_id, source, path, start_line, end_line, symbol, kind, content_hash, text FROM memory_chunks', 'chunk_id', (r) => {
        if (r.source === 'file' && known.has(r.path as string)) return;
        insert.run([r.source!, r.path!, r.start_line!, r.end_line!, r.symbol ?? null, r.kind!, r.content_hash!, r.text!, r.source!, r.path!, r.content_hash!]);
      });
    } finally {
      insert.free();
    }
    page(main, 'SELECT rowid AS id, content_hash, embedder, vector FROM memory_vectors', 'rowid', (r) => {
      memory.run('INSERT OR IGNORE INTO memory_vectors (content_hash, embedder, vector) VALUES (?, ?, ?)', [r.content_hash!, r.embedder!, r.vector!]);
    });
    ensureKeywordIndex(memory, { force: true, inTransaction: true });
    memory.run("INSERT INTO memory_meta (key, value) VALUES ('legacy_import', ?)", [Date.now()]);
    memory.exec('COMMIT');
    return true;
  } catch (err) {
    memory.exec('ROLLBACK');
    throw err;
  }
}

/** Reads the table in key order, PAGE rows at a time. */
function page(db: SqlJsDatabase, select: string, key: string, each: (row: Record<string, SqlValue>) => void): void {
  let after: SqlValue = null;
  for (;;) {
    const where: string = after === null ? '' : ` WHERE ${key} > ?`;
    const rows: Record<string, SqlValue>[] = queryAll<Record<string, SqlValue>>(db, `${select}${where} ORDER BY ${key} LIMIT ${PAGE}`, after === null ? [] : [after]);
    for (const r of rows) each(r);
    if (rows.length < PAGE) return;
    const last: Record<string, SqlValue> = rows[rows.length - 1]!;
    after = key === 'rowid' ? last.id! : last[key]!;
  }
}

function hasTable(db: SqlJsDatabase, name: string): boolean {
  return queryAll(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).length > 0;
}
