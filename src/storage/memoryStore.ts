// The memory index's tables (memory_files, memory_chunks, memory_vectors: memorySchema.ts, in the
// memory database) behind core's MemoryStore port. Vectors are stored as little-endian Float32 blobs keyed by content hash
// and embedder, so an unchanged chunk (or the same text in another file) is never embedded twice.
import type { ChunkInput, FileChunks, MemoryStore, StoredChunk } from '../core/memory/memoryPort';
import type { Database, SqlStatement } from './database';

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

const INSERT_CHUNK = 'INSERT INTO memory_chunks (source, path, start_line, end_line, symbol, kind, content_hash, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

export class SqlMemoryStore implements MemoryStore {
  constructor(private readonly db: Database) {}

  indexedFiles(): Map<string, string> {
    return new Map(this.db.all<{ path: string; content_hash: string }>('SELECT path, content_hash FROM memory_files').map((r) => [r.path, r.content_hash]));
  }

  async replaceFiles(files: readonly FileChunks[], removed: readonly string[], now: number): Promise<void> {
    const statements: SqlStatement[] = [];
    for (const path of [...removed, ...files.map((f) => f.path)]) {
      statements.push({ sql: "DELETE FROM memory_chunks WHERE source = 'file' AND path = ?", params: [path] });
      statements.push({ sql: 'DELETE FROM memory_files WHERE path = ?', params: [path] });
    }
    for (const file of files) {
      statements.push({ sql: 'INSERT INTO memory_files (path, content_hash, indexed_at) VALUES (?, ?, ?)', params: [file.path, file.contentHash, now] });
      for (const c of file.chunks) statements.push(chunkInsert('file', c));
    }
    if (statements.length) await this.db.write(statements);
  }

  async addRunChunks(chunks: readonly ChunkInput[]): Promise<void> {
    // a resumed run may tell the same decision twice: run memory keeps one copy
    const fresh = chunks.filter((c) => this.db.all("SELECT 1 FROM memory_chunks WHERE source = 'run' AND path = ? AND content_hash = ? LIMIT 1", [c.path, c.contentHash]).length === 0);
    if (fresh.length) await this.db.write(fresh.map((c) => chunkInsert('run', c)));
  }

  chunks(): StoredChunk[] {
    return this.db
      .all<ChunkRow>('SELECT chunk_id, source, path, start_line, end_line, symbol, kind, content_hash, text FROM memory_chunks ORDER BY chunk_id')
      .map((r) => ({
        id: r.chunk_id,
        source: r.source,
        path: r.path,
        startLine: r.start_line,
        endLine: r.end_line,
        symbol: r.symbol ?? undefined,
        kind: r.kind,
        contentHash: r.content_hash,
        text: r.text,
      }));
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

function chunkInsert(source: 'file' | 'run', c: ChunkInput): SqlStatement {
  return { sql: INSERT_CHUNK, params: [source, c.path, c.startLine, c.endLine, c.symbol ?? null, c.kind, c.contentHash, c.text] };
}

function toFloat32(blob: Uint8Array): Float32Array {
  // a copy: the blob's byteOffset need not be a multiple of 4
  return new Float32Array(blob.slice().buffer, 0, Math.floor(blob.byteLength / 4));
}
