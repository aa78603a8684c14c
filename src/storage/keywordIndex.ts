// The memory's keyword index, kept in the memory database next to the chunks it indexes and written in
// the same transactions (memorySchema.ts, migration 2). Why not FTS4 (the only full-text module this
// sql.js build has): its tokenizers do not split identifiers (`sendInvoice` stays one word, so "send
// the invoice" misses it), and ranking with matchinfo() takes a row out of SQLite for every chunk that
// holds any query word (with common words, every chunk). So the terms are core's (terms.ts), and each
// term's postings are stored in blocks of BLOCK chunk ids:
//   memory_terms (term, block) → postings: the chunks of the block holding the term, as offsets in
//     the block and each one's term count (encoded as postingsCodec.ts says);
//   memory_lengths (block) → lengths: per offset, 0 for no chunk, else 1 + its token count (15 bits),
//     the top bit set for run memory.
// A search reads the rows of its own terms and the lengths, nothing else; a write reads and rewrites
// the rows of the terms of the chunks it adds or drops. A block's postings are kept sorted by offset,
// so a rebuild gives the same rows as the writes did.
import { searchableText, tokenize } from '../core/memory/terms';
import type { ChunkSource, KeywordView, Postings } from '../core/memory/memoryPort';
import type { Database as SqlJsDatabase } from 'sql.js';
import { queryAll, type SqlStatement, type SqlValue } from './database';
import { asText, currentBlobFile, payloadsOf } from './memoryBlobs';
import { decodePostings, decodePostingsInto, encodePostings, POSTINGS_FORMAT, postingsCapacity } from './postingsCodec';

export const BLOCK = 1024;
const MAX_LENGTH = 0x7ffe;
const RUN_BIT = 0x8000;

type Read = <T>(sql: string, params?: readonly SqlValue[]) => T[];

export interface IndexedText {
  readonly id: number;
  readonly source: ChunkSource;
  /** What keywords see: searchableText(chunk). */
  readonly text: string;
}

/** The statements that add `added` to the index and drop `removed` from it (ids not in both). */
export function keywordIndexWrites(read: Read, added: readonly IndexedText[], removed: readonly IndexedText[]): SqlStatement[] {
  const terms = new Map<string, Map<number, Map<number, number>>>(); // term → block → offset → count (0: drop)
  const lengths = new Map<number, Map<number, number>>(); // block → offset → slot value (0: drop)
  const touch = (doc: IndexedText, drop: boolean) => {
    const block = Math.floor(doc.id / BLOCK);
    const offset = doc.id % BLOCK;
    const tokens = tokenize(doc.text);
    const counts = new Map<string, number>();
    for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [term, n] of counts) {
      let blocks = terms.get(term);
      if (!blocks) terms.set(term, (blocks = new Map()));
      let offsets = blocks.get(block);
      if (!offsets) blocks.set(block, (offsets = new Map()));
      offsets.set(offset, drop ? 0 : Math.min(n, 0xffff));
    }
    let slots = lengths.get(block);
    if (!slots) lengths.set(block, (slots = new Map()));
    slots.set(offset, drop ? 0 : slotValue(tokens.length, doc.source));
  };
  for (const doc of removed) touch(doc, true);
  for (const doc of added) touch(doc, false);

  const stored = storedRows(read, terms);
  const format = postingsFormat(read);
  const statements: SqlStatement[] = [];
  for (const [term, blocks] of terms) {
    for (const [block, changes] of blocks) {
      const row = stored.get(`${block}\0${term}`);
      const current = row ? decodePostings(row, format) : { offsets: new Uint16Array(0), counts: new Uint16Array(0) };
      const merged = new Map<number, number>();
      current.offsets.forEach((o, i) => merged.set(o, current.counts[i]!));
      for (const [o, n] of changes) {
        if (n === 0) merged.delete(o);
        else merged.set(o, n);
      }
      if (merged.size === 0) {
        if (row) statements.push({ sql: 'DELETE FROM memory_terms WHERE term = ? AND block = ?', params: [term, block] });
        continue;
      }
      statements.push({ sql: 'INSERT OR REPLACE INTO memory_terms (term, block, postings) VALUES (?, ?, ?)', params: [term, block, encodePostings(merged, format)] });
    }
  }
  for (const [block, changes] of lengths) {
    const row = read<{ lengths: Uint8Array }>('SELECT lengths FROM memory_lengths WHERE block = ?', [block])[0];
    const slots = row ? uint16(row.lengths).slice() : new Uint16Array(BLOCK);
    for (const [o, v] of changes) slots[o] = v;
    if (slots.every((v) => v === 0)) {
      if (row) statements.push({ sql: 'DELETE FROM memory_lengths WHERE block = ?', params: [block] });
    } else {
      statements.push({ sql: 'INSERT OR REPLACE INTO memory_lengths (block, lengths) VALUES (?, ?)', params: [block, bytes(slots)] });
    }
  }
  return statements;
}

/** The stored postings of the (term, block) pairs about to change: a few queries per block, not one per pair. */
function storedRows(read: Read, terms: ReadonlyMap<string, ReadonlyMap<number, unknown>>): Map<string, Uint8Array> {
  const byBlock = new Map<number, string[]>();
  for (const [term, blocks] of terms) {
    for (const block of blocks.keys()) {
      const list = byBlock.get(block);
      if (list) list.push(term);
      else byBlock.set(block, [term]);
    }
  }
  const out = new Map<string, Uint8Array>();
  for (const [block, list] of byBlock) {
    // sql.js binds at most 999 parameters per statement in its default build
    for (let i = 0; i < list.length; i += 900) {
      const slice = list.slice(i, i + 900);
      const rows = read<{ term: string; postings: Uint8Array }>(`SELECT term, postings FROM memory_terms WHERE block = ? AND term IN (${slice.map(() => '?').join(',')})`, [block, ...slice]);
      for (const r of rows) out.set(`${block}\0${r.term}`, r.postings);
    }
  }
  return out;
}

/** Everything a BM25 ranking of these terms needs: corpus statistics, lengths, and the terms' postings. */
export function readKeywordView(read: Read, terms: readonly string[], stats: CorpusStats = readCorpusStats(read)): KeywordView {
  const { n, avgLength, lengths, sources } = stats;
  const rowsOf = new Map<string, { block: number; postings: Uint8Array }[]>();
  const wanted = [...new Set(terms)];
  for (let i = 0; i < wanted.length; i += 900) {
    const slice = wanted.slice(i, i + 900);
    for (const r of read<{ term: string; block: number; postings: Uint8Array }>(`SELECT term, block, postings FROM memory_terms WHERE term IN (${slice.map(() => '?').join(',')}) ORDER BY term, block`, slice)) {
      const list = rowsOf.get(r.term);
      if (list) list.push(r);
      else rowsOf.set(r.term, [r]);
    }
  }
  const postings = new Map<string, Postings>();
  const format = postingsFormat(read);
  for (const [term, blocks] of rowsOf) {
    const capacity = blocks.reduce((s, b) => s + postingsCapacity(b.postings.length, format), 0);
    const docs = new Uint32Array(capacity);
    const counts = new Uint16Array(capacity);
    let at = 0;
    for (const b of blocks) at = decodePostingsInto(b.postings, format, b.block * BLOCK, docs, counts, at);
    postings.set(term, { docs: docs.subarray(0, at), counts: counts.subarray(0, at) });
  }
  return { n, avgLength, lengths, sources, postings };
}

export type CorpusStats = Pick<KeywordView, 'n' | 'avgLength' | 'lengths' | 'sources'>;

/** Every chunk's length and source, and their count and mean: what each query needs besides its terms (a store caches it). */
export function readCorpusStats(read: Read): CorpusStats {
  const rows = read<{ block: number; lengths: Uint8Array }>('SELECT block, lengths FROM memory_lengths ORDER BY block');
  const size = rows.length ? (rows[rows.length - 1]!.block + 1) * BLOCK : 0;
  const lengths = new Float32Array(size);
  const sources = new Uint8Array(size);
  let n = 0;
  let total = 0;
  for (const r of rows) {
    const slots = uint16(r.lengths);
    const base = r.block * BLOCK;
    for (let o = 0; o < slots.length; o++) {
      const v = slots[o]!;
      if (v === 0) continue;
      const len = (v & ~RUN_BIT) - 1;
      lengths[base + o] = len;
      sources[base + o] = v & RUN_BIT ? SOURCE_RUN : SOURCE_FILE;
      n++;
      total += len;
    }
  }
  return { n, avgLength: n ? total / n || 1 : 1, lengths, sources };
}

export const SOURCE_FILE = 1;
export const SOURCE_RUN = 2;

/**
 * Rebuilds the whole index from memory_chunks in `apply`'s transaction(s), PAGE chunks at a time;
 * `dir` is the database's folder, where the chunks' text is (memoryBlobs.ts).
 */
export function rebuildKeywordIndex(read: Read, apply: (statements: readonly SqlStatement[]) => void, dir: string | undefined): number {
  apply([{ sql: 'DELETE FROM memory_terms' }, { sql: 'DELETE FROM memory_lengths' }, { sql: "INSERT OR REPLACE INTO memory_meta (key, value) VALUES ('postings_format', ?)", params: [POSTINGS_FORMAT] }]);
  let after = 0;
  let indexed = 0;
  for (;;) {
    const page = read<{ chunk_id: number; source: ChunkSource; path: string; symbol: string | null; text: string; text_at: number | null; text_bytes: number | null }>(
      'SELECT chunk_id, source, path, symbol, text, text_at, text_bytes FROM memory_chunks WHERE chunk_id > ? ORDER BY chunk_id LIMIT ?',
      [after, PAGE],
    );
    if (page.length === 0) break;
    const texts = payloadsOf(page.map((c) => ({ inline: c.text, at: c.text_at, bytes: c.text_bytes })), () => currentBlobFile(read, dir));
    apply(keywordIndexWrites(read, page.map((c, i) => ({ id: c.chunk_id, source: c.source, text: searchableText(c.path, c.symbol, asText(texts[i]!)) })), []));
    indexed += page.length;
    after = page[page.length - 1]!.chunk_id;
  }
  apply([{ sql: "INSERT OR REPLACE INTO memory_meta (key, value) VALUES ('keyword_index', 1)" }]);
  return indexed;
}

/**
 * On an open sql.js image (a writer's seed, the legacy copy): builds the index if it is missing, or
 * always with `force`; returns whether it did. Inside the caller's transaction when `inTransaction`.
 */
export function ensureKeywordIndex(db: SqlJsDatabase, options: { force?: boolean; inTransaction?: boolean; dir?: string } = {}): boolean {
  const read: Read = (sql, params) => queryAll(db, sql, params);
  if (!options.force && keywordIndexReady(read)) return false;
  if (!options.inTransaction) db.exec('BEGIN');
  try {
    rebuildKeywordIndex(read, (statements) => {
      for (const s of statements) db.run(s.sql, (s.params ?? []) as SqlValue[]);
    }, options.dir);
    if (!options.inTransaction) db.exec('COMMIT');
  } catch (err) {
    if (!options.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
  return true;
}

/** The format of the stored postings (postingsCodec.ts): 1 unless recorded. */
export function postingsFormat(read: Read): number {
  return Number(read<{ value: number }>("SELECT value FROM memory_meta WHERE key = 'postings_format'")[0]?.value ?? 1);
}

/**
 * On a writer's image: rewrites postings of an older format in the current one, row by row (a
 * rebuild from the chunks would re-tokenize them all); returns whether it did.
 */
export function convertPostings(db: SqlJsDatabase): boolean {
  const read: Read = (sql, params) => queryAll(db, sql, params);
  const format = postingsFormat(read);
  if (format === POSTINGS_FORMAT) return false;
  db.exec('BEGIN');
  try {
    const update = db.prepare('UPDATE memory_terms SET postings = ? WHERE term = ? AND block = ?');
    try {
      let after = '';
      for (;;) {
        const rows = read<{ term: string; block: number; postings: Uint8Array }>('SELECT term, block, postings FROM memory_terms WHERE term > ? ORDER BY term LIMIT 5000', [after]);
        // whole terms per page: a term's blocks never straddle two pages
        if (rows.length === 0) break;
        const last = rows[rows.length - 1]!.term;
        const page = rows.length === 5000 ? [...rows.filter((r) => r.term !== last), ...read<{ term: string; block: number; postings: Uint8Array }>('SELECT term, block, postings FROM memory_terms WHERE term = ?', [last])] : rows;
        for (const r of page) {
          const d = decodePostings(r.postings, format);
          update.run([encodePostings(new Map(Array.from(d.offsets, (o, i) => [o, d.counts[i]!])), POSTINGS_FORMAT), r.term, r.block]);
        }
        after = last;
      }
    } finally {
      update.free();
    }
    db.run("INSERT OR REPLACE INTO memory_meta (key, value) VALUES ('postings_format', ?)", [POSTINGS_FORMAT]);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
  return true;
}

/** Whether the keyword index covers memory_chunks (a database of migration 1 gets it at its writer's next open). */
export function keywordIndexReady(read: Read): boolean {
  return read("SELECT 1 FROM memory_meta WHERE key = 'keyword_index'").length > 0;
}

const PAGE = 2_000;

function slotValue(tokens: number, source: ChunkSource): number {
  return (Math.min(tokens, MAX_LENGTH) + 1) | (source === 'run' ? RUN_BIT : 0);
}

// The blobs are little-endian; so is every platform Node and VS Code run on (x64, arm64).
function uint16(blob: Uint8Array): Uint16Array {
  const aligned = blob.byteOffset % 2 === 0 ? blob : blob.slice();
  return new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >> 1);
}

function bytes(a: Uint16Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
