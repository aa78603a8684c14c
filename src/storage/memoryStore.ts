// The memory index's tables (memory_files, memory_chunks, memory_vectors and the keyword index:
// memorySchema.ts, in the memory database) behind core's MemoryStore and SearchableStore ports. Every
// write of chunks writes their keyword index rows in the same transaction (keywordIndex.ts). Vectors are
// stored as little-endian Float32 blobs keyed by content hash and embedder, so an unchanged chunk (or
// the same text in another file) is never embedded twice.
import type { ChunkInput, FileChunks, KeywordView, MemoryStore, SearchableStore, StoredChunk, VectorRows } from '../core/memory/memoryPort';
import { searchableText } from '../core/memory/terms';
import type { Database, SqlStatement, SqlValue } from './database';
import { BLOCK, keywordIndexReady, keywordIndexWrites, readKeywordView, SOURCE_FILE, SOURCE_RUN, type IndexedText } from './keywordIndex';

interface ChunkRow {
  chunk_id: number;
  source: 'file' | 'run';
  path: string;
  start_line: number;
  end_line: number;
  symbol: string | null;
  kind: string;
  content_hash: string;
  text: string;
}

const INSERT_CHUNK = 'INSERT INTO memory_chunks (chunk_id, source, path, start_line, end_line, symbol, kind, content_hash, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';
const CHUNK_COLUMNS = 'chunk_id, source, path, start_line, end_line, symbol, kind, content_hash, text';

export class SqlMemoryStore implements MemoryStore, SearchableStore {
  private readonly read = <T>(sql: string, params?: readonly SqlValue[]) => this.db.all<T>(sql, params);

  constructor(private readonly db: Database) {}

  indexedFiles(): Map<string, string> {
    return new Map(this.db.all<{ path: string; content_hash: string }>('SELECT path, content_hash FROM memory_files').map((r) => [r.path, r.content_hash]));
  }

  // Reads and the write they lead to happen in one synchronous stretch (write() applies its statements
  // before it first awaits), so no other write of this process comes between them.
  async replaceFiles(files: readonly FileChunks[], removed: readonly string[], now: number): Promise<void> {
    const statements: SqlStatement[] = [];
    const dropped: IndexedText[] = [];
    for (const path of [...removed, ...files.map((f) => f.path)]) {
      for (const c of this.db.all<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM memory_chunks WHERE source = 'file' AND path = ?`, [path])) dropped.push(indexed(c));
      statements.push({ sql: "DELETE FROM memory_chunks WHERE source = 'file' AND path = ?", params: [path] });
      statements.push({ sql: 'DELETE FROM memory_files WHERE path = ?', params: [path] });
    }
    const added: IndexedText[] = [];
    let id = this.nextId();
    for (const file of files) {
      statements.push({ sql: 'INSERT INTO memory_files (path, content_hash, indexed_at) VALUES (?, ?, ?)', params: [file.path, file.contentHash, now] });
      for (const c of file.chunks) {
        statements.push(chunkInsert(id, 'file', c));
        added.push({ id: id++, source: 'file', text: searchableText(c.path, c.symbol, c.text) });
      }
    }
    if (statements.length) await this.db.write([...statements, ...keywordIndexWrites(this.read, added, dropped)]);
  }

  async addRunChunks(chunks: readonly ChunkInput[]): Promise<void> {
    const statements = this.runChunkWrites(chunks);
    if (statements.length) await this.db.write(statements);
  }

  /** The statements adding run chunks not yet stored (by run and hash: a resumed run may tell the same decision twice). */
  runChunkWrites(chunks: readonly ChunkInput[]): SqlStatement[] {
    const seen = new Set<string>();
    const fresh = chunks.filter((c) => {
      const key = `${c.path}\0${c.contentHash}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return !this.runChunkStored(c.path, c.contentHash);
    });
    if (fresh.length === 0) return [];
    let id = this.nextId();
    const statements: SqlStatement[] = [];
    const added: IndexedText[] = [];
    for (const c of fresh) {
      statements.push(chunkInsert(id, 'run', c));
      added.push({ id: id++, source: 'run', text: searchableText(c.path, c.symbol, c.text) });
    }
    return [...statements, ...keywordIndexWrites(this.read, added, [])];
  }

  runChunkStored(path: string, contentHash: string): boolean {
    return this.db.all("SELECT 1 FROM memory_chunks WHERE source = 'run' AND path = ? AND content_hash = ? LIMIT 1", [path, contentHash]).length > 0;
  }

  chunks(): StoredChunk[] {
    return this.db.all<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM memory_chunks ORDER BY chunk_id`).map(toChunk);
  }

  keywordView(terms: readonly string[]): KeywordView {
    return readKeywordView(this.read, terms);
  }

  chunksById(ids: readonly number[]): Map<number, StoredChunk> {
    const out = new Map<number, StoredChunk>();
    for (let i = 0; i < ids.length; i += 500) {
      const slice = ids.slice(i, i + 500);
      for (const r of this.db.all<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM memory_chunks WHERE chunk_id IN (${slice.map(() => '?').join(',')})`, slice)) out.set(r.chunk_id, toChunk(r));
    }
    return out;
  }

  chunkCount(): number {
    return Number(this.db.all<{ n: number }>('SELECT count(*) AS n FROM memory_chunks')[0]?.n ?? 0);
  }

  version(): string {
    // a durable database's image counts its transactions (cc_journal); one in memory only counts changes
    const journaled = this.db.all<{ n: number }>("SELECT 1 AS n FROM sqlite_master WHERE name = 'cc_journal'").length > 0;
    const tx = journaled ? this.db.all<{ t: number }>('SELECT last_tx AS t FROM cc_journal')[0]?.t : undefined;
    return `${tx ?? '-'}:${this.db.all<{ c: number }>('SELECT total_changes() AS c')[0]?.c ?? 0}`;
  }

  keywordUnavailable(): string | undefined {
    return keywordIndexReady(this.read) ? undefined : 'this memory index was written before its keyword index: it is built the next time the index is opened for writing (codecompanion index)';
  }

  hasVectors(embedderId: string): boolean {
    return this.db.all('SELECT 1 FROM memory_vectors WHERE embedder = ? LIMIT 1', [embedderId]).length > 0;
  }

  vectorRows(embedderId: string): VectorRows {
    const rows = this.db.all<{ chunk_id: number; source: string; vector: Uint8Array }>(
      'SELECT c.chunk_id, c.source, v.vector FROM memory_chunks c JOIN memory_vectors v ON v.content_hash = c.content_hash AND v.embedder = ? ORDER BY c.chunk_id',
      [embedderId],
    );
    const dims = rows.reduce((d, r) => d || r.vector.byteLength >> 2, 0);
    const kept = rows.filter((r) => r.vector.byteLength >> 2 === dims);
    const matrix = new Float32Array(kept.length * dims);
    kept.forEach((r, i) => matrix.set(toFloat32(r.vector), i * dims));
    return { ids: Uint32Array.from(kept, (r) => r.chunk_id), sources: Uint8Array.from(kept, (r) => (r.source === 'run' ? SOURCE_RUN : SOURCE_FILE)), dims, matrix };
  }

  /** Past every chunk id the keyword index holds (the size of KeywordView's arrays). */
  idLimit(): number {
    const m = this.db.all<{ m: number | null }>('SELECT max(block) AS m FROM memory_lengths')[0]?.m;
    return m === null || m === undefined ? 0 : (m + 1) * BLOCK;
  }

  private nextId(): number {
    return Number(this.db.all<{ m: number | null }>('SELECT max(chunk_id) AS m FROM memory_chunks')[0]?.m ?? 0) + 1;
  }

  vectors(embedderId: string, hashes?: readonly string[]): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    const read = (sql: string, params: (string | number)[]) => {
      for (const r of this.db.all<{ content_hash: string; vector: Uint8Array }>(sql, params)) out.set(r.content_hash, toFloat32(r.vector));
    };
    if (!hashes) {
      read('SELECT content_hash, vector FROM memory_vectors WHERE embedder = ?', [embedderId]);
      return out;
    }
    // sql.js binds at most 999 parameters per statement in its default build
    for (let i = 0; i < hashes.length; i += 500) {
      const slice = hashes.slice(i, i + 500);
      read(`SELECT content_hash, vector FROM memory_vectors WHERE embedder = ? AND content_hash IN (${slice.map(() => '?').join(',')})`, [embedderId, ...slice]);
    }
    return out;
  }

  async putVectors(embedderId: string, vectors: ReadonlyMap<string, Float32Array>): Promise<void> {
    const statements: SqlStatement[] = [...vectors].map(([hash, v]) => ({
      sql: 'INSERT OR REPLACE INTO memory_vectors (content_hash, embedder, vector) VALUES (?, ?, ?)',
      params: [hash, embedderId, new Uint8Array(v.buffer, v.byteOffset, v.byteLength)],
    }));
    if (statements.length) await this.db.write(statements);
  }

  async pruneVectors(): Promise<number> {
    const n = Number(this.db.all<{ n: number }>('SELECT count(*) AS n FROM memory_vectors WHERE content_hash NOT IN (SELECT content_hash FROM memory_chunks)')[0]?.n ?? 0);
    if (n > 0) await this.db.write([{ sql: 'DELETE FROM memory_vectors WHERE content_hash NOT IN (SELECT content_hash FROM memory_chunks)' }]);
    return n;
  }

  embedders(): string[] {
    return this.db.all<{ embedder: string }>('SELECT embedder, count(*) AS n FROM memory_vectors GROUP BY embedder ORDER BY n DESC, embedder').map((r) => r.embedder);
  }
}

function chunkInsert(id: number, source: 'file' | 'run', c: ChunkInput): SqlStatement {
  return { sql: INSERT_CHUNK, params: [id, source, c.path, c.startLine, c.endLine, c.symbol ?? null, c.kind, c.contentHash, c.text] };
}

function toChunk(r: ChunkRow): StoredChunk {
  return { id: r.chunk_id, source: r.source, path: r.path, startLine: r.start_line, endLine: r.end_line, symbol: r.symbol ?? undefined, kind: r.kind, contentHash: r.content_hash, text: r.text };
}

function indexed(r: ChunkRow): IndexedText {
  return { id: r.chunk_id, source: r.source, text: searchableText(r.path, r.symbol, r.text) };
}

function toFloat32(blob: Uint8Array): Float32Array {
  // a copy: the blob's byteOffset need not be a multiple of 4
  return new Float32Array(blob.slice().buffer, 0, Math.floor(blob.byteLength / 4));
}
