// Brings the memory index in line with the workspace: new and changed files (by content hash) are
// chunked and written, deleted ones dropped, unchanged ones not even read twice. Then any chunk text
// without a vector in the embedder's space is embedded, in batches; vectors are cached by content
// hash, so re-indexing never pays twice for the same text. With no embedder, or one that fails,
// the index is keyword-only: reported, never an error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Embedder } from '../ports/model';
import { chunkFile, contentHash } from './chunker';
import type { FileChunks, MemoryStore } from './memoryPort';
import { walkPaths, walkWorkspace } from './walk';

export interface IndexProgress {
  readonly phase: 'scan' | 'chunk' | 'embed';
  readonly done: number;
  readonly total: number;
}

export interface IndexOptions {
  readonly embedder?: Embedder | undefined;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: IndexProgress) => void;
  /** Files larger than this are skipped (generated code, data, bundles). */
  readonly maxFileBytes?: number;
  /** A file with a longer line is skipped as minified or generated. */
  readonly maxLineChars?: number;
  readonly embedBatch?: number;
  readonly now?: () => number;
  /**
   * Only these workspace-relative paths (files or folders) are looked at: what a file watcher saw
   * change. A path that is gone, or no longer indexable, drops what was indexed under it.
   */
  readonly paths?: readonly string[];
}

export interface IndexReport {
  readonly files: number;
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly unchanged: number;
  readonly skipped: number;
  readonly chunksWritten: number;
  readonly embedded: number;
  /** The embedder's id, or undefined for a keyword-only index. */
  readonly embedder: string | undefined;
  /** Why embedding stopped (the index stays usable, keyword-only for what is not embedded). */
  readonly embedError?: string;
  readonly ms: number;
}

export const DEFAULT_MAX_FILE_BYTES = 512 * 1024;
/** Longer lines mean minified or generated text: no use to a reader, costly to embed. */
const MAX_LINE_CHARS = 2_000;
/** Embedding input is cut here: inside every provider's per-input token limit. */
export const MAX_EMBED_CHARS = 6_000;
const WRITE_BATCH_CHUNKS = 2_000;

export async function indexWorkspace(root: string, store: MemoryStore, options: IndexOptions = {}): Promise<IndexReport> {
  const started = performance.now();
  const now = options.now ?? Date.now;
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const signal = options.signal;
  const progress = options.onProgress ?? (() => undefined);

  const files = options.paths ? walkPaths(root, options.paths, signal) : walkWorkspace(root, signal);
  progress({ phase: 'scan', done: files.length, total: files.length });
  const known = store.indexedFiles();
  const seen = new Set<string>();
  const counts = { added: 0, changed: 0, unchanged: 0, skipped: 0, chunksWritten: 0 };
  let batch: FileChunks[] = [];
  let batchChunks = 0;
  const flush = async (removed: readonly string[] = []) => {
    if (batch.length || removed.length) await store.replaceFiles(batch, removed, now());
    counts.chunksWritten += batchChunks;
    batch = [];
    batchChunks = 0;
  };

  for (const [i, file] of files.entries()) {
    if (signal?.aborted) {
      await flush(); // what was chunked before the cancel is kept: the next run skips it
      signal.throwIfAborted();
    }
    if (file.size > maxBytes) {
      counts.skipped++;
      continue;
    }
    const bytes = readFile(path.join(root, file.path));
    if (!bytes || isBinary(bytes)) {
      counts.skipped++;
      continue;
    }
    const hash = contentHash(bytes);
    const previous = known.get(file.path);
    if (previous === hash) {
      seen.add(file.path);
      counts.unchanged++;
      continue;
    }
    const text = bytes.toString('utf8');
    if (text.split('\n').some((line) => line.length > (options.maxLineChars ?? MAX_LINE_CHARS))) {
      counts.skipped++;
      continue;
    }
    seen.add(file.path);
    const chunks = await chunkFile(file.path, text);
    batch.push({ path: file.path, contentHash: hash, chunks });
    batchChunks += chunks.length;
    if (previous === undefined) counts.added++;
    else counts.changed++;
    if (batchChunks >= WRITE_BATCH_CHUNKS) await flush();
    progress({ phase: 'chunk', done: i + 1, total: files.length });
  }
  // Gone, newly ignored, grown past the cap or turned binary: none of it stays searchable.
  const removed = [...known.keys()].filter((p) => !seen.has(p) && (!options.paths || options.paths.some((under) => p === under || p.startsWith(`${under}/`))));
  await flush(removed);

  const embedding = options.embedder ? await embedMissing(store, options.embedder, options.embedBatch ?? 96, signal, progress) : { embedded: 0 };
  if (removed.length || counts.changed) await store.pruneVectors();
  return {
    files: files.length,
    ...counts,
    removed: removed.length,
    embedded: embedding.embedded,
    embedder: options.embedder?.id,
    ...(embedding.error ? { embedError: embedding.error } : {}),
    ms: performance.now() - started,
  };
}

/** Embeds every chunk text (files and run memory) that has no vector in this embedder's space. */
export async function embedMissing(
  store: MemoryStore,
  embedder: Embedder,
  batchSize: number,
  signal: AbortSignal | undefined,
  progress: (p: IndexProgress) => void = () => undefined,
): Promise<{ embedded: number; error?: string }> {
  const todo = new Map<string, string>();
  for (const c of store.unembedded(embedder.id)) if (!todo.has(c.contentHash)) todo.set(c.contentHash, c.text.slice(0, MAX_EMBED_CHARS));
  const entries = [...todo];
  let embedded = 0;
  for (let i = 0; i < entries.length; i += batchSize) {
    signal?.throwIfAborted();
    const slice = entries.slice(i, i + batchSize);
    let vectors: Float32Array[];
    try {
      vectors = await embedder.embed(slice.map(([, text]) => text), signal);
      if (vectors.length !== slice.length) throw new Error(`asked for ${slice.length} embeddings, got ${vectors.length}`);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      return { embedded, error: `${embedder.id}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
    }
    await store.putVectors(embedder.id, new Map(slice.map(([hash], j) => [hash, vectors[j]!])));
    embedded += slice.length;
    progress({ phase: 'embed', done: embedded, total: entries.length });
  }
  return { embedded };
}

function readFile(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

function isBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
}
