// Builds "a year of use": N finished runs with the real event shapes, replicated (new ids and times)
// from a run the real orchestrator produced (test/fixtures/v1-workspace: the sample objective, the
// recorded sample session), each call streaming ~30 s of output in 250 ms events; runs finished more
// than RETENTION_DAYS ago are stored as retention leaves them (each call's stream folded into one
// event, the text whole), the rest uncompacted; runs idle for over ARCHIVE_AFTER_MS are in their
// archive files, as the writers' opens over the year left them. Plus a memory index of synthesized
// chunks with the sizes the chunker produces. Written with sql.js directly and the archive writer
// (the build is not what is measured), then projections are built by the same rebuild `db rebuild` runs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database as SqlJsDatabase } from 'sql.js';
import { loadSqlJs, queryAll } from '../src/storage/database';
import type { StoredEvent } from '../src/core/ports/eventStore';
import { ARCHIVE_AFTER_MS } from '../src/storage/archiver';
import { APPLICATION_ID, CHECKSUM_FILE, SNAPSHOT_FILE, databaseBytes, databaseDir, databaseExists, ensureGitignore, memoryDirOf } from '../src/storage/layout';
import { ensureKeywordIndex } from '../src/storage/keywordIndex';
import { upkeepBlobs } from '../src/storage/memoryBlobUpkeep';
import { MEMORY_SCHEMA } from '../src/storage/memorySchema';
import { archiveDirOf, writeArchive } from '../src/storage/runArchive';
import { migrate } from '../src/storage/migrations';
import { ensureProjections } from '../src/storage/projection';
import { PROJECTIONS } from '../src/storage/projections';
import { snapshotHash } from '../src/storage/snapshotChecksum';

const FIXTURE = path.resolve(__dirname, '..', 'test', 'fixtures', 'v1-workspace', '.codecompanion', SNAPSHOT_FILE);
const DAY = 24 * 3600_000;
export const RETENTION_DAYS = 30;
/** 30 s of output, one event per 250 ms. */
const STREAM_EVENTS = 120;
const STREAM_CHARS = 3600;

interface Row {
  run_id: string;
  seq: number;
  type: string;
  ts: number;
  data: string;
}

export interface YearStats {
  readonly runs: number;
  readonly events: number;
  readonly compactedRuns: number;
  /** Runs whose events are in archive files (idle over an hour), and the events left in the database. */
  readonly archivedRuns: number;
  readonly eventsInDatabase: number;
  /** Stream events retention removed (they were written, then folded), and their JSON bytes. */
  readonly removedEvents: number;
  readonly removedBytes: number;
  readonly chunks: number;
  readonly oldRunId: string;
  readonly buildMs: number;
}

export async function buildWorkspace(root: string, runs: number, chunks: number, now = Date.now()): Promise<YearStats> {
  const started = performance.now();
  const SQL = await loadSqlJs();
  const source = new SQL.Database(fs.readFileSync(FIXTURE));
  const all = queryAll<Row>(source, 'SELECT run_id, seq, type, ts, data FROM events ORDER BY global_seq');
  source.close();
  const completedId = all.find((e) => e.type === 'run.completed')!.run_id;
  const template = all.filter((e) => e.run_id === completedId);
  const t0 = template[0]!.ts;

  const db = new SQL.Database();
  db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
  migrate(db);
  const insertEvent = db.prepare('INSERT INTO events (global_seq, run_id, seq, type, ts, data) VALUES (?, ?, ?, ?, ?, ?)');
  const insertRun = db.prepare('INSERT INTO runs (run_id, created_at, updated_at, event_count, last_type) VALUES (?, ?, ?, ?, ?)');
  let global = 0;
  let compactedRuns = 0;
  let removedEvents = 0;
  let removedBytes = 0;
  let oldRunId = '';
  let archivedRuns = 0;
  let events = 0;
  const dir = databaseDir(root);
  const insertArchive = db.prepare('INSERT INTO run_archives (run_id, file, sha256, bytes, generation, events, last_seq, first_global, last_global, compacted) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)');
  const runIds: { runId: string; shift: number; events: number; updatedAt: number }[] = [];
  db.exec('BEGIN');
  for (let r = 0; r < runs; r++) {
    // spread over a year, the newest about now
    const startTs = now - Math.round(((runs - 1 - r) / Math.max(1, runs - 1)) * 365 * DAY) - 3600_000;
    const runId = `run-${new Date(startTs).toISOString().replace(/[-:T.Z]/g, '').slice(0, 14)}-${String(r).padStart(5, '0')}`;
    if (r === Math.floor(runs / 4)) oldRunId = runId;
    const compacted = now - startTs > RETENTION_DAYS * DAY;
    let seq = 0;
    let lastTs = startTs;
    let lastType = '';
    const stored: StoredEvent[] = [];
    const put = (type: string, ts: number, data: string) => {
      stored.push({ runId, seq: ++seq, globalSeq: ++global, type, ts, data });
      lastTs = ts;
      lastType = type;
    };
    for (const e of template) {
      const ts = startTs + (e.ts - t0);
      if (e.type !== 'agent.call.streamed') {
        put(e.type, ts, e.data.split(completedId).join(runId));
        continue;
      }
      const d = JSON.parse(e.data) as { callId: string; text: string };
      let text = d.text;
      while (text.length < STREAM_CHARS) text += `\n${d.text}`;
      text = text.slice(0, STREAM_CHARS);
      const size = Math.ceil(STREAM_CHARS / STREAM_EVENTS);
      const parts = Array.from({ length: STREAM_EVENTS }, (_, i) => text.slice(i * size, (i + 1) * size));
      if (compacted) {
        // what compactRun leaves: one event with the whole text at the first one's seq, a gap after it
        const first = seq + 1;
        put(e.type, ts - 30_000, JSON.stringify({ callId: d.callId, text, chars: text.length }));
        for (let i = 1; i < parts.length; i++) {
          const removed = JSON.stringify({ callId: d.callId, text: parts[i], chars: parts[i]!.length });
          removedEvents++;
          removedBytes += removed.length;
        }
        seq = first + parts.length - 1;
      } else {
        parts.forEach((p, i) => put(e.type, ts - 30_000 + i * 250, JSON.stringify({ callId: d.callId, text: p, chars: p.length })));
      }
    }
    events += stored.length;
    if (now - lastTs > ARCHIVE_AFTER_MS) {
      const written = await writeArchive(archiveDirOf(dir), runId, 1, stored.map((e) => ({ ...e, data: JSON.parse(e.data as string) as unknown })));
      insertArchive.run([runId, written.file, written.sha256, written.bytes, stored.length, seq, stored[0]!.globalSeq, stored[stored.length - 1]!.globalSeq, compacted ? 1 : 0]);
      archivedRuns++;
    } else {
      for (const e of stored) insertEvent.run([e.globalSeq, runId, e.seq, e.type, e.ts, e.data as string]);
    }
    insertRun.run([runId, startTs, lastTs, seq, lastType]);
    runIds.push({ runId, shift: startTs - t0, events: seq, updatedAt: lastTs });
    if (compacted) {
      compactedRuns++;
      db.run('INSERT INTO compactions (run_id, compacted_at, events_removed) VALUES (?, ?, ?)', [runId, now, 0]);
    }
  }
  db.exec('COMMIT');
  insertEvent.free();
  insertRun.free();
  insertArchive.free();
  replicateProjections(db, SQL, template, runIds);
  const eventsInDatabase = Number(queryAll<{ n: number }>(db, 'SELECT count(*) AS n FROM events')[0]!.n);
  writeSnapshot(dir, db);
  if (chunks > 0) {
    // the memory index lives in its own database (.codecompanion/memory/)
    const memory = new SQL.Database();
    memory.exec(`PRAGMA application_id = ${MEMORY_SCHEMA.applicationId}`);
    migrate(memory, MEMORY_SCHEMA.migrations);
    addChunks(memory, chunks);
    // the text goes to the blob file beside the database, as the memory's writer keeps it
    upkeepBlobs(memory, memoryDirOf(dir));
    ensureKeywordIndex(memory, { force: true, dir: memoryDirOf(dir) });
    writeSnapshot(memoryDirOf(dir), memory);
  }
  return { runs, events, compactedRuns, archivedRuns, eventsInDatabase, removedEvents, removedBytes, chunks, oldRunId, buildMs: performance.now() - started };
}

/**
 * The projections of N copies of one run, without folding N copies: the template run's rows built by
 * the real rebuild, then one run_summaries row per copy (its id and times), the model totals times N,
 * each copy's spend in its own quarter hours. `db rebuild` on the result gives the same run list.
 */
function replicateProjections(db: SqlJsDatabase, SQL: Awaited<ReturnType<typeof loadSqlJs>>, template: readonly Row[], copies: readonly { runId: string; shift: number; events: number; updatedAt: number }[]): void {
  const one = new SQL.Database();
  migrate(one);
  const ins = one.prepare('INSERT INTO events (global_seq, run_id, seq, type, ts, data) VALUES (?, ?, ?, ?, ?, ?)');
  template.forEach((e, i) => ins.run([i + 1, e.run_id, e.seq, e.type, e.ts, e.data]));
  ins.free();
  ensureProjections(one, PROJECTIONS, undefined);
  const summary = queryAll<Record<string, number | string>>(one, 'SELECT * FROM run_summaries')[0]!;
  const perf = queryAll<Record<string, number | string>>(one, 'SELECT * FROM model_performance');
  const spend = queryAll<{ bucket: number; spent_usd: number }>(one, 'SELECT * FROM spend_buckets');
  one.close();
  db.exec('BEGIN');
  for (const p of PROJECTIONS) {
    db.exec(p.ddl);
    db.run('INSERT OR REPLACE INTO cc_projections (name, version) VALUES (?, ?)', [p.name, p.version]);
  }
  const n = copies.length;
  for (const { runId, shift, events, updatedAt } of copies) {
    db.run('INSERT INTO run_summaries (run_id, objective, status, cost_usd, created_at, updated_at, event_count, last_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      runId, summary.objective!, summary.status!, summary.cost_usd!, Number(summary.created_at) + shift, updatedAt, events, summary.last_type!,
    ]);
    const BUCKET = 15 * 60_000;
    for (const b of spend) db.run('INSERT INTO spend_buckets (bucket, spent_usd) VALUES (?, ?) ON CONFLICT (bucket) DO UPDATE SET spent_usd = spent_usd + excluded.spent_usd', [Math.floor((b.bucket + shift) / BUCKET) * BUCKET, b.spent_usd]);
  }
  for (const r of perf) {
    db.run('INSERT INTO model_performance (provider, model, role, calls, failures, quality_sum, quality_n, priced_calls, cost_usd, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      r.provider!, r.model!, r.role!, Number(r.calls) * n, Number(r.failures) * n, Number(r.quality_sum) * n, Number(r.quality_n) * n, Number(r.priced_calls) * n, Number(r.cost_usd) * n, Number(r.latency_ms) * n,
    ]);
  }
  db.exec('COMMIT');
}

/**
 * Synthesized code chunks with the chunker's sizes (a function or class body, 10-60 lines, 300-2,400
 * characters), 12 per file, varied identifiers so BM25 sees a realistic vocabulary.
 */
export function addChunks(db: SqlJsDatabase, n: number): void {
  if (n === 0) return;
  const words = ['user', 'page', 'limit', 'offset', 'query', 'request', 'response', 'handler', 'cache', 'token', 'stream', 'buffer', 'parse', 'render', 'config', 'session', 'router', 'schema', 'event', 'store'];
  const file = db.prepare('INSERT INTO memory_files (path, content_hash, indexed_at) VALUES (?, ?, ?)');
  const chunk = db.prepare('INSERT INTO memory_chunks (source, path, start_line, end_line, symbol, kind, content_hash, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  db.exec('BEGIN');
  for (let i = 0; i < n; i++) {
    const f = Math.floor(i / 12);
    const p = `src/module${Math.floor(f / 50)}/file${f}.ts`;
    if (i % 12 === 0) file.run([p, `h${f}`, Date.now()]);
    const a = words[i % words.length]!;
    const b = words[(i * 7 + 3) % words.length]!;
    const name = `${a}${b[0]!.toUpperCase()}${b.slice(1)}${i}`;
    const lines = 10 + (i % 50);
    const body = Array.from({ length: lines }, (_, l) => `  const ${words[(i + l) % words.length]}${l} = ${a}.${b}(${words[(l * 3) % words.length]}, ${l}); // ${name}`).join('\n');
    const text = `export function ${name}(${a}: ${b[0]!.toUpperCase()}${b.slice(1)}) {\n${body}\n}`;
    chunk.run(['file', p, (i % 12) * 60 + 1, (i % 12) * 60 + lines + 2, name, 'function', `c${i}`, text]);
  }
  db.exec('COMMIT');
  file.free();
  chunk.free();
}

function writeSnapshot(dir: string, db: SqlJsDatabase): void {
  fs.mkdirSync(dir, { recursive: true });
  ensureGitignore(dir);
  const bytes = db.export();
  db.close();
  fs.writeFileSync(path.join(dir, SNAPSHOT_FILE), bytes);
  fs.writeFileSync(path.join(dir, CHECKSUM_FILE), JSON.stringify({ sha256: [snapshotHash(bytes)] }));
}

/** The workspace database (with its run archives) and the memory index's own, on disk. */
export function bytesOnDisk(root: string): { events: number; memory: number } {
  const dir = databaseDir(root);
  return { events: databaseBytes(dir), memory: databaseExists(memoryDirOf(dir)) ? databaseBytes(memoryDirOf(dir)) : 0 };
}
