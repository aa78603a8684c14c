// The committed .codecompanion/ written by the schema-v1 code (two sample runs): copied to a
// temporary workspace for each test, since opening it for writing migrates it in place.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StoredEvent } from '../../../src/core/ports/eventStore';
import { loadSqlJs, queryAll } from '../../../src/storage/database';
import { readMemoryDatabase } from '../../../src/storage/memoryDatabase';
import { SqlMemoryStore } from '../../../src/storage/memoryStore';

export const FIXTURE = path.resolve(__dirname, '..', '..', 'fixtures', 'v1-workspace');

export function copyFixture(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-fixture-'));
  fs.cpSync(FIXTURE, root, { recursive: true });
  return root;
}

/** Its events, read straight from the snapshot (no CodeCompanion code involved). */
export async function fixtureEvents(): Promise<StoredEvent[]> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(path.join(FIXTURE, '.codecompanion', 'state.sqlite')));
  try {
    return queryAll<{ run_id: string; seq: number; global_seq: number; type: string; ts: number; data: string }>(db, 'SELECT run_id, seq, global_seq, type, ts, data FROM events ORDER BY global_seq').map((r) => ({
      runId: r.run_id,
      seq: r.seq,
      globalSeq: r.global_seq,
      type: r.type,
      ts: r.ts,
      data: JSON.parse(r.data),
    }));
  } finally {
    db.close();
  }
}

export interface MemoryRows {
  readonly files: unknown[];
  readonly chunks: unknown[];
  readonly vectors: unknown[];
}

const FILES = 'SELECT path, content_hash, indexed_at FROM memory_files ORDER BY path';
// chunk ids are the memory database's own: compared by content, in their order
const CHUNKS = 'SELECT source, path, start_line, end_line, symbol, kind, content_hash, text FROM memory_chunks ORDER BY chunk_id';
const VECTORS = 'SELECT content_hash, embedder, hex(vector) AS v FROM memory_vectors ORDER BY content_hash, embedder';

/** The v1 fixture's memory index, read straight from its snapshot. */
export async function fixtureMemory(file = path.join(FIXTURE, '.codecompanion', 'state.sqlite')): Promise<MemoryRows> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(file));
  try {
    return { files: queryAll(db, FILES), chunks: queryAll(db, CHUNKS), vectors: queryAll(db, VECTORS) };
  } finally {
    db.close();
  }
}

/**
 * What the workspace's memory database holds now (read-only: takes nothing in), in the rows' shape,
 * text and vectors read from wherever they are kept (inline, or the blob file beside the database).
 */
export async function memoryRows(root: string): Promise<MemoryRows> {
  const db = await readMemoryDatabase(path.join(root, '.codecompanion'), 'test');
  try {
    const store = new SqlMemoryStore(db);
    const chunks = store.chunks().map((c) => ({ source: c.source, path: c.path, start_line: c.startLine, end_line: c.endLine, symbol: c.symbol ?? null, kind: c.kind, content_hash: c.contentHash, text: c.text }));
    const vectors = store.embedders().sort().flatMap((embedder) => [...store.vectors(embedder)].map(([hash, v]) => ({ content_hash: hash, embedder, v: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex').toUpperCase() })));
    vectors.sort((a, b) => (a.content_hash < b.content_hash ? -1 : a.content_hash > b.content_hash ? 1 : a.embedder < b.embedder ? -1 : a.embedder > b.embedder ? 1 : 0));
    return { files: db.all(FILES), chunks, vectors };
  } finally {
    await db.close();
  }
}
