// What the memory database's writer does to its blob file at open (a seed, made durable by the
// snapshot that follows, see openDatabaseAt): moves the text and vectors an older index kept inline out
// to the blob file (migration 3), and, once most of the file is dead (text of chunks re-indexed since,
// vectors pruned, appends that were never committed), copies the live records to a file of a new
// generation. The rows switch to the new file in the same image; the old file is deleted only after
// that image is on disk (dropLeftoverBlobFiles), so a kill at any point leaves rows pointing at a
// complete file.
import * as fs from 'node:fs';
import type { Database as SqlJsDatabase } from 'sql.js';
import { queryAll, type SqlValue } from './database';
import { BLOB_GENERATION_KEY, BlobFile, currentBlobFile, listBlobFiles, newGeneration, type BlobRef } from './memoryBlobs';

const PAGE = 2_000;
/** Dead bytes past which a file is compacted, if they are also more than the live ones. */
export const COMPACT_AFTER_BYTES = 8 * 1024 * 1024;
const RECORD_HEADER = 8;

interface Column {
  readonly table: 'memory_chunks' | 'memory_vectors';
  readonly key: string;
  readonly inline: string;
  readonly at: string;
  readonly bytes: string;
  /** What the inline column holds once the payload is in the blob file. */
  readonly emptied: SqlValue;
}

const COLUMNS: readonly Column[] = [
  { table: 'memory_chunks', key: 'chunk_id', inline: 'text', at: 'text_at', bytes: 'text_bytes', emptied: '' },
  { table: 'memory_vectors', key: 'rowid', inline: 'vector', at: 'vector_at', bytes: 'vector_bytes', emptied: new Uint8Array(0) },
];

/** Moves inline payloads out and compacts a mostly dead file; returns whether the image changed. */
export function upkeepBlobs(db: SqlJsDatabase, dir: string, compactAfterBytes = COMPACT_AFTER_BYTES): boolean {
  const read = <T>(sql: string, params: readonly SqlValue[] = []) => queryAll<T>(db, sql, params);
  let changed = false;
  db.exec('BEGIN');
  try {
    let file = currentBlobFile(read, dir);
    const inline = COLUMNS.some((c) => read(`SELECT 1 FROM ${c.table} WHERE ${c.at} IS NULL LIMIT 1`).length > 0);
    if (inline) {
      file ??= startFile(db, dir);
      for (const c of COLUMNS) moveInline(db, c, file);
      changed = true;
    }
    if (file && deadBytes(read, file) > Math.max(compactAfterBytes, liveBytes(read))) {
      const next = startFile(db, dir);
      for (const c of COLUMNS) copyLive(db, c, file, next);
      changed = true;
    }
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
  // the image no longer holds the moved payloads' pages
  if (changed) db.exec('VACUUM');
  return changed;
}

/** After the image that points at the current file is on disk: the other generations' files go. */
export function dropLeftoverBlobFiles(dir: string, current: number | undefined): void {
  for (const f of listBlobFiles(dir)) if (f.generation !== current) fs.rmSync(f.path, { force: true });
}

function startFile(db: SqlJsDatabase, dir: string): BlobFile {
  const file = new BlobFile(dir, newGeneration());
  file.create();
  db.run('INSERT OR REPLACE INTO memory_meta (key, value) VALUES (?, ?)', [BLOB_GENERATION_KEY, file.generation]);
  return file;
}

function moveInline(db: SqlJsDatabase, c: Column, file: BlobFile): void {
  for (;;) {
    const rows = queryAll<{ k: number; v: string | Uint8Array }>(db, `SELECT ${c.key} AS k, ${c.inline} AS v FROM ${c.table} WHERE ${c.at} IS NULL ORDER BY ${c.key} LIMIT ?`, [PAGE]);
    if (rows.length === 0) return;
    const refs = file.append(rows.map((r) => (typeof r.v === 'string' ? Buffer.from(r.v, 'utf8') : r.v)));
    point(db, c, rows.map((r) => r.k), refs);
  }
}

function copyLive(db: SqlJsDatabase, c: Column, from: BlobFile, to: BlobFile): void {
  let after = -1;
  for (;;) {
    const rows = queryAll<{ k: number; at: number; bytes: number }>(db, `SELECT ${c.key} AS k, ${c.at} AS at, ${c.bytes} AS bytes FROM ${c.table} WHERE ${c.at} IS NOT NULL AND ${c.key} > ? ORDER BY ${c.key} LIMIT ?`, [after, PAGE]);
    if (rows.length === 0) return;
    const refs = to.append(from.read(rows));
    point(db, c, rows.map((r) => r.k), refs);
    after = rows[rows.length - 1]!.k;
  }
}

function point(db: SqlJsDatabase, c: Column, keys: readonly number[], refs: readonly BlobRef[]): void {
  const update = db.prepare(`UPDATE ${c.table} SET ${c.inline} = ?, ${c.at} = ?, ${c.bytes} = ? WHERE ${c.key} = ?`);
  try {
    keys.forEach((k, i) => update.run([c.emptied, refs[i]!.at, refs[i]!.bytes, k]));
  } finally {
    update.free();
  }
}

function liveBytes(read: <T>(sql: string) => T[]): number {
  return COLUMNS.reduce((s, c) => s + Number(read<{ n: number | null }>(`SELECT sum(${c.bytes} + ${RECORD_HEADER}) AS n FROM ${c.table} WHERE ${c.at} IS NOT NULL`)[0]?.n ?? 0), 0);
}

function deadBytes(read: <T>(sql: string) => T[], file: BlobFile): number {
  return Math.max(0, file.size() - 16 - liveBytes(read));
}
