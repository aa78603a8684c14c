// A finished run's events, moved out of the in-memory database into a file of its own:
//   .codecompanion/runs/<hash of run id>-<generation>.jsonl.gz
// gzip'ed JSON lines (a header naming the run, then one event per line, in seq order). The database
// keeps one run_archives row per archived run (file, SHA-256, seq and global-seq range) in the same
// transaction that deletes the archived rows, so a run's events are always in exactly one of the two
// places, or in both for a moment (a file written before a crash, never referenced): never in none.
// sql.js holds the whole database in memory; archived runs cost nothing until one is read.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import type { StoredEvent } from '../core/ports/eventStore';
import { namesIn, writeFileDurably } from './layout';

export const ARCHIVE_DIR = 'runs';
const FORMAT = 'codecompanion-run-archive';
const FORMAT_VERSION = 1;
/** A file past this is refused before it is read (a run of 30 s streams is a few MB uncompressed). */
const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;
const gzipAsync = promisify(gzip);

export interface ArchiveRow {
  readonly run_id: string;
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly generation: number;
  readonly events: number;
  readonly last_seq: number;
  readonly first_global: number;
  readonly last_global: number;
  /** 1 when the streamed events were folded (retention) as the file was written. */
  readonly compacted: number;
}

export const ARCHIVE_COLUMNS = 'run_id, file, sha256, bytes, generation, events, last_seq, first_global, last_global, compacted';

export class RunArchiveError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`the archived events of a run (${file}) ${reason}. The file was left as it is: restore it from a backup, or move the database aside ('codecompanion db move-aside --yes')`);
    this.name = 'RunArchiveError';
  }
}

export function archiveDirOf(databaseDir: string): string {
  return path.join(databaseDir, ARCHIVE_DIR);
}

function fileNameOf(runId: string, generation: number): string {
  // run ids are chosen by callers (the CLI, the API): the name on disk never depends on their spelling
  return `${createHash('sha256').update(runId).digest('hex').slice(0, 32)}-${generation}.jsonl.gz`;
}

export interface WrittenArchive {
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** Writes the run's events durably (temp file, fsync, rename, fsync of the folder); returns its row's facts. */
export async function writeArchive(dir: string, runId: string, generation: number, events: readonly StoredEvent[]): Promise<WrittenArchive> {
  fs.mkdirSync(dir, { recursive: true });
  const lines = [JSON.stringify({ format: FORMAT, version: FORMAT_VERSION, runId, events: events.length })];
  for (const e of events) lines.push(JSON.stringify([e.seq, e.globalSeq, e.type, e.ts, e.data]));
  // compressed on the thread pool: the event loop keeps serving the run under way
  const bytes = await gzipAsync(Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
  const file = fileNameOf(runId, generation);
  await writeFileDurably(path.join(dir, file), bytes);
  return { file, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

/** The run's archived events with seq >= fromSeq; damage (size, checksum, format, another run) is an error. */
export function readArchive(dir: string, row: ArchiveRow, fromSeq = 1): StoredEvent[] {
  const file = path.join(dir, row.file);
  const st = fs.statSync(file);
  if (st.size > MAX_ARCHIVE_BYTES) throw new RunArchiveError(row.file, `are ${st.size} bytes, more than the ${MAX_ARCHIVE_BYTES} an archive may be`);
  const bytes = fs.readFileSync(file);
  if (createHash('sha256').update(bytes).digest('hex') !== row.sha256) throw new RunArchiveError(row.file, 'do not match their SHA-256: the file was changed or damaged');
  let text: string;
  try {
    text = gunzipSync(bytes).toString('utf8');
  } catch (err) {
    throw new RunArchiveError(row.file, `cannot be decompressed (${(err as Error).message})`);
  }
  const lines = text.split('\n');
  const header = JSON.parse(lines[0] ?? 'null') as { format?: string; version?: number; runId?: string } | null;
  if (header?.format !== FORMAT || header.version !== FORMAT_VERSION || header.runId !== row.run_id) throw new RunArchiveError(row.file, 'are not this run\'s archive');
  const out: StoredEvent[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const [seq, globalSeq, type, ts, data] = JSON.parse(line) as [number, number, string, number, unknown];
    if (seq >= fromSeq) out.push({ runId: row.run_id, seq, globalSeq, type, ts, data });
  }
  return out;
}

/** Removes a replaced generation once the row pointing at its successor is durable. */
export function removeArchive(dir: string, file: string): void {
  fs.rmSync(path.join(dir, file), { force: true });
}

/**
 * Files in the folder that no row points at: what a crash between writing a file and committing its
 * row leaves (its events are still in the database), or a replaced generation not yet removed.
 */
export function unreferencedArchives(dir: string, referenced: ReadonlySet<string>): string[] {
  return namesIn(dir).filter((n) => /^[0-9a-f]{32}-\d+\.jsonl\.gz(\.tmp-\d+)?$/.test(n) && !referenced.has(n));
}
