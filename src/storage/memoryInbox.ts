// Run memory on the hot path: a decision or a run summary is queued in the workspace database
// (memory_inbox, its migration 3), a few rows written like any other, and never loads the memory
// index. Whoever next opens the memory database as a writer moves the queue there (drainInbox); until
// then a search sees the queued chunks next to the indexed ones (withInbox).
import type { ChunkInput, RunMemoryStore, SearchableStore, StoredChunk } from '../core/memory/memoryPort';
import type { Database, SqlStatement } from './database';

interface InboxRow {
  id: number;
  path: string;
  start_line: number;
  end_line: number;
  symbol: string | null;
  kind: string;
  content_hash: string;
  text: string;
}

interface InboxVectorRow {
  id: number;
  content_hash: string;
  embedder: string;
  vector: Uint8Array;
}

/** Writes run memory into the workspace database's inbox. */
export class InboxMemoryStore implements RunMemoryStore {
  constructor(private readonly main: Database) {}

  async addRunChunks(chunks: readonly ChunkInput[]): Promise<void> {
    // one copy per (run, text) in the inbox here; the drain and withInbox skip what the index already holds
    const fresh = chunks.filter((c) => this.main.all('SELECT 1 FROM memory_inbox WHERE path = ? AND content_hash = ? LIMIT 1', [c.path, c.contentHash]).length === 0);
    if (fresh.length)
      await this.main.write(
        fresh.map((c) => ({
          sql: 'INSERT INTO memory_inbox (path, start_line, end_line, symbol, kind, content_hash, text) VALUES (?, ?, ?, ?, ?, ?, ?)',
          params: [c.path, c.startLine, c.endLine, c.symbol ?? null, c.kind, c.contentHash, c.text],
        })),
      );
  }

  /** Only the queued vectors: one already in the index may be asked for again (an embedding call, never a load). */
  vectors(embedderId: string, hashes?: readonly string[]): Map<string, Float32Array> {
    const rows = this.main.all<InboxVectorRow>('SELECT id, content_hash, embedder, vector FROM memory_inbox_vectors WHERE embedder = ? ORDER BY id', [embedderId]);
    const wanted = hashes ? new Set(hashes) : undefined;
    return new Map(rows.filter((r) => !wanted || wanted.has(r.content_hash)).map((r) => [r.content_hash, toFloat32(r.vector)]));
  }

  async putVectors(embedderId: string, vectors: ReadonlyMap<string, Float32Array>): Promise<void> {
    const statements: SqlStatement[] = [...vectors].map(([hash, v]) => ({
      sql: 'INSERT INTO memory_inbox_vectors (content_hash, embedder, vector) VALUES (?, ?, ?)',
      params: [hash, embedderId, new Uint8Array(v.buffer, v.byteOffset, v.byteLength)],
    }));
    if (statements.length) await this.main.write(statements);
  }

  /** The queued chunks, with negative ids (never an index chunk's). */
  pending(): StoredChunk[] {
    return this.main.all<InboxRow>('SELECT id, path, start_line, end_line, symbol, kind, content_hash, text FROM memory_inbox ORDER BY id').map(toChunk);
  }

  /** Changes whenever something is queued or drained: part of a loaded search's cache key. */
  stamp(): string {
    const r = this.main.all<{ c: number | null; n: number; v: number | null; m: number }>(
      'SELECT (SELECT max(id) FROM memory_inbox) AS c, (SELECT count(*) FROM memory_inbox) AS n, (SELECT max(id) FROM memory_inbox_vectors) AS v, (SELECT count(*) FROM memory_inbox_vectors) AS m',
    )[0];
    return `${r?.c ?? 0}:${r?.n ?? 0}:${r?.v ?? 0}:${r?.m ?? 0}`;
  }
}

/**
 * Moves the queue into the memory database, then drops it from the workspace database. Idempotent: a
 * kill between the two writes leaves rows that are copied again, and a run chunk whose run and hash
 * the index holds is never inserted twice (vectors are keyed by hash and embedder). Both must be writable.
 */
export async function drainInbox(main: Database, memory: Database): Promise<number> {
  if (main.readOnly || memory.readOnly) return 0;
  const chunks = main.all<InboxRow>('SELECT id, path, start_line, end_line, symbol, kind, content_hash, text FROM memory_inbox ORDER BY id');
  const vectors = main.all<InboxVectorRow>('SELECT id, content_hash, embedder, vector FROM memory_inbox_vectors ORDER BY id');
  if (chunks.length === 0 && vectors.length === 0) return 0;
  await memory.write([
    ...chunks.map((c) => ({
      sql:
        'INSERT INTO memory_chunks (source, path, start_line, end_line, symbol, kind, content_hash, text) ' +
        "SELECT 'run', ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM memory_chunks WHERE source = 'run' AND path = ? AND content_hash = ?)",
      params: [c.path, c.start_line, c.end_line, c.symbol, c.kind, c.content_hash, c.text, c.path, c.content_hash],
    })),
    ...vectors.map((v) => ({ sql: 'INSERT OR REPLACE INTO memory_vectors (content_hash, embedder, vector) VALUES (?, ?, ?)', params: [v.content_hash, v.embedder, v.vector] })),
  ]);
  await main.write([
    { sql: 'DELETE FROM memory_inbox WHERE id <= ?', params: [chunks[chunks.length - 1]?.id ?? 0] },
    { sql: 'DELETE FROM memory_inbox_vectors WHERE id <= ?', params: [vectors[vectors.length - 1]?.id ?? 0] },
  ]);
  return chunks.length;
}

/** The index as a search sees it: its chunks and vectors, then what is queued and not in it yet. */
export function withInbox(index: SearchableStore, inbox: InboxMemoryStore): SearchableStore {
  return {
    chunks() {
      const chunks = index.chunks();
      const seen = new Set(chunks.filter((c) => c.source === 'run').map((c) => `${c.path}\0${c.contentHash}`));
      for (const c of inbox.pending()) if (!seen.has(`${c.path}\0${c.contentHash}`)) chunks.push(c);
      return chunks;
    },
    vectors(embedderId, hashes) {
      const out = index.vectors(embedderId, hashes);
      for (const [hash, v] of inbox.vectors(embedderId, hashes)) if (!out.has(hash)) out.set(hash, v);
      return out;
    },
  };
}

function toChunk(r: InboxRow): StoredChunk {
  return { id: -r.id, source: 'run', path: r.path, startLine: r.start_line, endLine: r.end_line, symbol: r.symbol ?? undefined, kind: r.kind, contentHash: r.content_hash, text: r.text };
}

function toFloat32(blob: Uint8Array): Float32Array {
  // a copy: the blob's byteOffset need not be a multiple of 4
  return new Float32Array(blob.slice().buffer, 0, Math.floor(blob.byteLength / 4));
}
