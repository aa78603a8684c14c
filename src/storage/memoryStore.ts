// The memory index's tables (memory_files, memory_chunks, memory_vectors and the keyword index:
// memorySchema.ts, in the memory database) behind core's MemoryStore and SearchableStore ports. Every
// write of chunks writes their keyword index rows in the same transaction (keywordIndex.ts). Chunk text
// and vectors (little-endian Float32, keyed by content hash and embedder, so an unchanged chunk or the
// same text in another file is never embedded twice) go to the blob file beside the database
// (memoryBlobs.ts), appended and fsync'ed before the rows that point at them are written; the image
// keeps the rows only. A database with no folder (none in practice) keeps them inline.
import type { ChunkInput, FileChunks, KeywordView, MemoryStore, SearchableStore, StoredChunk, VectorRows } from '../core/memory/memoryPort';
import { searchableText } from '../core/memory/terms';
import type { Database, SqlStatement, SqlValue } from './database';
import { asText, BLOB_GENERATION_KEY, BlobFile, BlobFileMissing, currentBlobFile, newGeneration, payloadsOf, StaleMemoryImage, type BlobRef, type MaybeInline } from './memoryBlobs';
import { BLOCK, keywordIndexReady, keywordIndexWrites, readCorpusStats, readKeywordView, type CorpusStats, SOURCE_FILE, SOURCE_RUN, type IndexedText } from './keywordIndex';

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
  text_at: number | null;
  text_bytes: number | null;
}

interface VectorRow {
  vector: Uint8Array;
  vector_at: number | null;
  vector_bytes: number | null;
}

const INSERT_CHUNK = 'INSERT INTO memory_chunks (chunk_id, source, path, start_line, end_line, symbol, kind, content_hash, text, text_at, text_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const CHUNK_COLUMNS = 'chunk_id, source, path, start_line, end_line, symbol, kind, content_hash, text, text_at, text_bytes';
const INSERT_VECTOR = 'INSERT OR REPLACE INTO memory_vectors (content_hash, embedder, vector, vector_at, vector_bytes) VALUES (?, ?, ?, ?, ?)';
const NO_BYTES = new Uint8Array(0);

export class SqlMemoryStore implements MemoryStore, SearchableStore {
  private readonly read = <T>(sql: string, params?: readonly SqlValue[]) => this.db.all<T>(sql, params);

  /** `dir`: the database's folder, where its blob file lives (a WorkspaceDatabase's path by default). */
  constructor(
    private readonly db: Database,
    private readonly dir: string | undefined = (db as { path?: string }).path,
  ) {}

  indexedFiles(): Map<string, string> {
    return new Map(this.db.all<{ path: string; content_hash: string }>('SELECT path, content_hash FROM memory_files').map((r) => [r.path, r.content_hash]));
  }

  // Reads and the write they lead to happen in one synchronous stretch (write() applies its statements
  // before it first awaits), so no other write of this process comes between them.
  async replaceFiles(files: readonly FileChunks[], removed: readonly string[], now: number): Promise<void> {
    const statements: SqlStatement[] = [];
    const dropped: IndexedText[] = [];
    for (const path of [...removed, ...files.map((f) => f.path)]) {
      dropped.push(...this.withText(this.db.all<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM memory_chunks WHERE source = 'file' AND path = ?`, [path])).map(indexed));
      statements.push({ sql: "DELETE FROM memory_chunks WHERE source = 'file' AND path = ?", params: [path] });
      statements.push({ sql: 'DELETE FROM memory_files WHERE path = ?', params: [path] });
    }
    const added: IndexedText[] = [];
    let id = this.nextId();
    const stored = this.storeBlobs(files.flatMap((f) => f.chunks.map((c) => Buffer.from(c.text, 'utf8'))));
    statements.push(...stored.statements);
    let k = 0;
    for (const file of files) {
      statements.push({ sql: 'INSERT INTO memory_files (path, content_hash, indexed_at) VALUES (?, ?, ?)', params: [file.path, file.contentHash, now] });
      for (const c of file.chunks) {
        statements.push(chunkInsert(id, 'file', c, stored.refs?.[k++]));
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
    const stored = this.storeBlobs(fresh.map((c) => Buffer.from(c.text, 'utf8')));
    const statements: SqlStatement[] = [...stored.statements];
    const added: IndexedText[] = [];
    for (const [k, c] of fresh.entries()) {
      statements.push(chunkInsert(id, 'run', c, stored.refs?.[k]));
      added.push({ id: id++, source: 'run', text: searchableText(c.path, c.symbol, c.text) });
    }
    return [...statements, ...keywordIndexWrites(this.read, added, [])];
  }

  runChunkStored(path: string, contentHash: string): boolean {
    return this.db.all("SELECT 1 FROM memory_chunks WHERE source = 'run' AND path = ? AND content_hash = ? LIMIT 1", [path, contentHash]).length > 0;
  }

  chunks(): StoredChunk[] {
    return this.withText(this.db.all<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM memory_chunks ORDER BY chunk_id`)).map(toChunk);
  }

  unembedded(embedderId: string): StoredChunk[] {
    const rows = this.db.all<ChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM memory_chunks c WHERE NOT EXISTS (SELECT 1 FROM memory_vectors v WHERE v.content_hash = c.content_hash AND v.embedder = ?) ORDER BY chunk_id`,
      [embedderId],
    );
    return this.withText(rows).map(toChunk);
  }

  keywordView(terms: readonly string[]): KeywordView {
    // the lengths of every chunk are read once per version of the index, not at every query
    const version = this.version();
    if (this.stats?.version !== version) this.stats = { version, stats: readCorpusStats(this.read) };
    return readKeywordView(this.read, terms, this.stats.stats);
  }

  private stats: { version: string; stats: CorpusStats } | undefined;

  chunksById(ids: readonly number[]): Map<number, StoredChunk> {
    const out = new Map<number, StoredChunk>();
    for (let i = 0; i < ids.length; i += 500) {
      const slice = ids.slice(i, i + 500);
      for (const r of this.withText(this.db.all<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM memory_chunks WHERE chunk_id IN (${slice.map(() => '?').join(',')})`, slice))) out.set(r.chunk_id, toChunk(r));
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
    const found = this.db.all<{ chunk_id: number; source: string } & VectorRow>(
      'SELECT c.chunk_id, c.source, v.vector, v.vector_at, v.vector_bytes FROM memory_chunks c JOIN memory_vectors v ON v.content_hash = c.content_hash AND v.embedder = ? ORDER BY c.chunk_id',
      [embedderId],
    );
    const payloads = this.vectorPayloads(found);
    const rows = found.map((r, i) => ({ chunk_id: r.chunk_id, source: r.source, vector: payloads[i]! }));
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
      const rows = this.db.all<{ content_hash: string } & VectorRow>(sql, params);
      const payloads = this.vectorPayloads(rows);
      rows.forEach((r, i) => out.set(r.content_hash, toFloat32(payloads[i]!)));
    };
    if (!hashes) {
      read('SELECT content_hash, vector, vector_at, vector_bytes FROM memory_vectors WHERE embedder = ?', [embedderId]);
      return out;
    }
    // sql.js binds at most 999 parameters per statement in its default build
    for (let i = 0; i < hashes.length; i += 500) {
      const slice = hashes.slice(i, i + 500);
      read(`SELECT content_hash, vector, vector_at, vector_bytes FROM memory_vectors WHERE embedder = ? AND content_hash IN (${slice.map(() => '?').join(',')})`, [embedderId, ...slice]);
    }
    return out;
  }

  async putVectors(embedderId: string, vectors: ReadonlyMap<string, Float32Array>): Promise<void> {
    const statements = this.vectorWrites([...vectors].map(([hash, v]) => ({ hash, embedder: embedderId, vector: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) })));
    if (statements.length) await this.db.write(statements);
  }

  /** The statements storing these vectors (appended to the blob file first, synchronously). */
  vectorWrites(vectors: readonly { hash: string; embedder: string; vector: Uint8Array }[]): SqlStatement[] {
    const stored = this.storeBlobs(vectors.map((v) => v.vector));
    return [
      ...stored.statements,
      ...vectors.map((v, i) => {
        const ref = stored.refs?.[i];
        return { sql: INSERT_VECTOR, params: [v.hash, v.embedder, ref ? NO_BYTES : v.vector, ref?.at ?? null, ref?.bytes ?? null] };
      }),
    ];
  }

  /**
   * Appends payloads to the blob file (created with a new generation on the first write: the
   * statements returned record it), fsync'ed. No folder: no refs, the caller keeps them inline.
   */
  private storeBlobs(payloads: readonly Uint8Array[]): { refs: BlobRef[] | undefined; statements: SqlStatement[] } {
    if (this.dir === undefined || payloads.length === 0) return { refs: undefined, statements: [] };
    let file = this.blobFile();
    const statements: SqlStatement[] = [];
    if (!file) {
      // until a write records the generation, every call of this store appends to the same new file,
      // and each one's statements record it (a write that failed left nothing recorded)
      if (!this.started) {
        this.started = new BlobFile(this.dir, newGeneration());
        this.started.create();
      }
      file = this.started;
      statements.push({ sql: 'INSERT OR REPLACE INTO memory_meta (key, value) VALUES (?, ?)', params: [BLOB_GENERATION_KEY, file.generation] });
    }
    return { refs: file.append(payloads), statements };
  }

  /** The file this store started (its generation not written yet, or just written). */
  private started: BlobFile | undefined;

  /**
   * Reads every text and vector the rows point at, each record checked (db status): throws the
   * DatabaseFileError of the first damaged one; returns how many it read.
   */
  verifyBlobs(): number {
    let checked = 0;
    const tables = [
      { table: 'memory_chunks', key: 'chunk_id', columns: 'text AS inline, text_at AS at, text_bytes AS bytes' },
      { table: 'memory_vectors', key: 'rowid', columns: 'vector AS inline, vector_at AS at, vector_bytes AS bytes' },
    ];
    for (const t of tables) {
      for (let after = -1; ; ) {
        const rows = this.db.all<{ k: number } & MaybeInline>(`SELECT ${t.key} AS k, ${t.columns} FROM ${t.table} WHERE ${t.key} > ? ORDER BY ${t.key} LIMIT 2000`, [after]);
        if (rows.length === 0) break;
        payloadsOf(rows, () => this.blobFile());
        checked += rows.length;
        after = rows[rows.length - 1]!.k;
      }
    }
    return checked;
  }

  private blobFile(): BlobFile | undefined {
    return currentBlobFile(this.read, this.dir);
  }

  private withText(rows: ChunkRow[]): ChunkRow[] {
    const texts = this.payloads(rows.map((r) => ({ inline: r.text, at: r.text_at, bytes: r.text_bytes })));
    return rows.map((r, i) => ({ ...r, text: asText(texts[i]!) }));
  }

  private vectorPayloads(rows: readonly VectorRow[]): Uint8Array[] {
    return this.payloads(rows.map((r) => ({ inline: r.vector, at: r.vector_at, bytes: r.vector_bytes }))) as Uint8Array[];
  }

  /**
   * A reader whose blob file is gone tells a stale image (a writer replaced the snapshot since: the
   * file was compacted into a new generation) from damage (the snapshot it read still points there).
   */
  private payloads(rows: readonly MaybeInline[]): (Uint8Array | string)[] {
    try {
      return payloadsOf(rows, () => this.blobFile());
    } catch (err) {
      if (err instanceof BlobFileMissing && this.db.snapshotReplaced?.()) throw new StaleMemoryImage(err.file);
      throw err;
    }
  }

  /**
   * After a read failed because this reader's image was stale (StaleMemoryImage): brings the image up
   * to date, and says whether the read is worth doing again. Anything else: false, nothing done.
   */
  async refreshAfter(err: unknown): Promise<boolean> {
    if (!(err instanceof StaleMemoryImage) || !this.db.refresh) return false;
    await this.db.refresh();
    return true;
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

function chunkInsert(id: number, source: 'file' | 'run', c: ChunkInput, ref: BlobRef | undefined): SqlStatement {
  return { sql: INSERT_CHUNK, params: [id, source, c.path, c.startLine, c.endLine, c.symbol ?? null, c.kind, c.contentHash, ref ? '' : c.text, ref?.at ?? null, ref?.bytes ?? null] };
}

function toChunk(r: ChunkRow): StoredChunk {
  return { id: r.chunk_id, source: r.source, path: r.path, startLine: r.start_line, endLine: r.end_line, symbol: r.symbol ?? undefined, kind: r.kind, contentHash: r.content_hash, text: r.text };
}

function indexed(r: ChunkRow): IndexedText {
  return { id: r.chunk_id, source: r.source, text: searchableText(r.path, r.symbol, r.text) };
}

function toFloat32(blob: Uint8Array): Float32Array {
  // a copy: the blob's byteOffset need not be a multiple of 4 (and a Buffer's slice() would not copy)
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float32Array(copy.buffer, 0, Math.floor(blob.byteLength / 4));
}
