// Run memory on the hot path: a decision or a run summary is queued in the workspace database
// (memory_inbox, its migration 3), a few rows written like any other, and never loads the memory
// index. Whoever next opens the memory database as a writer moves the queue there (drainInbox); until
// then a search sees the queued chunks next to the indexed ones (withInbox).
import type { ChunkInput, KeywordView, RunMemoryStore, SearchableStore, StoredChunk } from '../core/memory/memoryPort';
import { searchableText, tokenize } from '../core/memory/terms';
import type { Database, SqlStatement } from './database';
import { SOURCE_RUN } from './keywordIndex';
import { SqlMemoryStore } from './memoryStore';

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
  const index = new SqlMemoryStore(memory);
  await memory.write([...index.runChunkWrites(chunks.map(toChunk)), ...index.vectorWrites(vectors.map((v) => ({ hash: v.content_hash, embedder: v.embedder, vector: v.vector })))]);
  await main.write([
    { sql: 'DELETE FROM memory_inbox WHERE id <= ?', params: [chunks[chunks.length - 1]?.id ?? 0] },
    { sql: 'DELETE FROM memory_inbox_vectors WHERE id <= ?', params: [vectors[vectors.length - 1]?.id ?? 0] },
  ]);
  return chunks.length;
}

/**
 * The index as a search sees it: its chunks and vectors, then what is queued and not in it yet. The
 * queued chunks (a handful: the next writer takes them in) are ranked with the index's statistics,
 * under ids past the index's last.
 */
export function withInbox(index: SqlMemoryStore, inbox: InboxMemoryStore): SearchableStore {
  const pending = () => {
    const seen = (c: StoredChunk) => index.runChunkStored(c.path, c.contentHash);
    return inbox.pending().filter((c) => !seen(c));
  };
  return {
    keywordView(terms) {
      const view = index.keywordView(terms);
      const queued = pending();
      if (queued.length === 0) return view;
      return addPending(view, queued, terms);
    },
    chunksById(ids) {
      const out = index.chunksById(ids.filter((id) => id >= 0));
      const queued = pending();
      const base = pendingBase(index);
      for (const id of ids) if (id >= base && queued[id - base]) out.set(id, queued[id - base]!);
      return out;
    },
    chunkCount: () => index.chunkCount() + pending().length,
    version: () => `${index.version()}|${inbox.stamp()}`,
    keywordUnavailable: () => index.keywordUnavailable(),
    refreshAfter: (err) => index.refreshAfter(err),
    hasVectors: (embedderId) => index.hasVectors(embedderId) || inbox.vectors(embedderId).size > 0,
    vectorRows(embedderId) {
      const rows = index.vectorRows(embedderId);
      const queued = pending();
      const own = inbox.vectors(embedderId, queued.map((c) => c.contentHash));
      const stored = index.vectors(embedderId, queued.filter((c) => !own.has(c.contentHash)).map((c) => c.contentHash));
      const base = pendingBase(index);
      const extra = queued.flatMap((c, i) => {
        const v = own.get(c.contentHash) ?? stored.get(c.contentHash);
        return v && (rows.dims === 0 || v.length === rows.dims) ? [{ id: base + i, v }] : [];
      });
      if (extra.length === 0) return rows;
      const dims = rows.dims || extra[0]!.v.length;
      const matrix = new Float32Array((rows.ids.length + extra.length) * dims);
      matrix.set(rows.matrix);
      extra.forEach((e, i) => matrix.set(e.v, (rows.ids.length + i) * dims));
      return { ids: Uint32Array.from([...rows.ids, ...extra.map((e) => e.id)]), sources: Uint8Array.from([...rows.sources, ...extra.map(() => SOURCE_RUN)]), dims, matrix };
    },
  };
}

/** Queued chunks get ids from here on (past every block of the index, as addPending numbers them), in queue order. */
function pendingBase(index: SqlMemoryStore): number {
  return index.idLimit() + 1;
}

function addPending(view: KeywordView, queued: readonly StoredChunk[], terms: readonly string[]): KeywordView {
  const base = view.lengths.length + 1;
  const lengths = new Float32Array(base + queued.length);
  lengths.set(view.lengths);
  const sources = new Uint8Array(base + queued.length);
  sources.set(view.sources);
  const wanted = new Set(terms);
  const extra = new Map<string, { docs: number[]; counts: number[] }>();
  let total = view.avgLength * view.n;
  queued.forEach((c, i) => {
    const tokens = tokenize(searchableText(c.path, c.symbol, c.text));
    lengths[base + i] = tokens.length;
    sources[base + i] = SOURCE_RUN;
    total += tokens.length;
    const counts = new Map<string, number>();
    for (const t of tokens) if (wanted.has(t)) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [t, n] of counts) {
      const e = extra.get(t) ?? { docs: [], counts: [] };
      e.docs.push(base + i);
      e.counts.push(n);
      extra.set(t, e);
    }
  });
  const postings = new Map(view.postings);
  for (const [t, e] of extra) {
    const p = postings.get(t);
    postings.set(t, { docs: Uint32Array.from([...(p?.docs ?? []), ...e.docs]), counts: Uint16Array.from([...(p?.counts ?? []), ...e.counts]) });
  }
  const n = view.n + queued.length;
  return { n, avgLength: n ? total / n || 1 : 1, lengths, sources, postings };
}

function toChunk(r: InboxRow): StoredChunk {
  return { id: -r.id, source: 'run', path: r.path, startLine: r.start_line, endLine: r.end_line, symbol: r.symbol ?? undefined, kind: r.kind, contentHash: r.content_hash, text: r.text };
}

function toFloat32(blob: Uint8Array): Float32Array {
  // a copy: the blob's byteOffset need not be a multiple of 4
  return new Float32Array(blob.slice().buffer, 0, Math.floor(blob.byteLength / 4));
}
