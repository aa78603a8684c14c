// Durable append cost as the log grows, open time, snapshot cost and memory of the workspace DB.
// Reproduce: npx tsx bench/run.ts storage   (part of npm run bench)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openWorkspaceDatabase } from '../src/storage/workspaceDatabase';
import { databaseDir, SNAPSHOT_FILE, listJournals } from '../src/storage/layout';
import { SqlEventStore } from '../src/storage/sqlEventStore';
import type { NewEvent } from '../src/core/ports/eventStore';
import { loadSqlJs, queryAll } from '../src/storage/database';
import { expandStreams } from '../test/fakes/streams';
import { percentile, peakRssMb, rowCollector, type BenchSuite } from './harness';

// Real events: the sample run the orchestrator wrote (test/fixtures/v1-workspace), each call's
// stream split into 250 ms pieces as a real model's ~30 s of output would be. Cycled through.
let pool: NewEvent[] = [];

async function loadPool(): Promise<{ count: number; meanBytes: number }> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(path.resolve(__dirname, '..', 'test', 'fixtures', 'v1-workspace', '.codecompanion', SNAPSHOT_FILE)));
  const rows = queryAll<{ run_id: string; seq: number; global_seq: number; type: string; ts: number; data: string }>(db, "SELECT * FROM events WHERE run_id = (SELECT run_id FROM events WHERE type = 'run.completed') ORDER BY seq");
  db.close();
  pool = expandStreams(rows.map((r) => ({ runId: r.run_id, seq: r.seq, globalSeq: r.global_seq, type: r.type, ts: r.ts, data: JSON.parse(r.data) })), 30, ' more output'.repeat(200));
  return { count: pool.length, meanBytes: pool.reduce((n, e) => n + JSON.stringify(e.data).length, 0) / pool.length };
}

function event(i: number): NewEvent {
  return pool[i % pool.length]!;
}

async function timeAppends(store: SqlEventStore, runId: string, n: number, offset: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await store.append(runId, [event(offset + i)]);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times;
}

export const suite: BenchSuite = {
  name: 'storage',
  async run(report) {
    const out = rowCollector(report);
    out.add({ metric: 'load average (1, 5, 15 min) at start', value: (await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ') });
    const shape = await loadPool();
    out.add({ metric: `events: the sample run's ${shape.count} real events (streams in 250 ms pieces), mean JSON size`, value: Math.round(shape.meanBytes), unit: 'bytes' });
    const root = path.resolve('.bench', `storage-${process.pid}`);
    fs.rmSync(root, { recursive: true, force: true });
    let db = await openWorkspaceDatabase(root, { mode: 'write' });
    let store = new SqlEventStore(db);

    await timeAppends(store, 'warmup', 200, 0);
    const at1k = await timeAppends(store, 'run-1', 1000, 0);
    const p50at1k = percentile(at1k, 50);
    out.add({ metric: 'durable append, 1 event, DB at 1k events: p50', value: p50at1k, unit: 'ms', goal: '≤ 1 ms' });
    out.add({ metric: 'durable append, 1 event, DB at 1k events: p99', value: percentile(at1k, 99), unit: 'ms' });

    // fill to 100k with batched appends (the fill is not what is measured)
    for (let n = 1200; n < 100_000; n += 500) await store.append(`run-${Math.floor(n / 5000)}`, Array.from({ length: 500 }, (_, i) => event(n + i)));
    const at100k = await timeAppends(store, 'run-late', 1000, 0);
    const p50at100k = percentile(at100k, 50);
    out.add({ metric: 'durable append, 1 event, DB at 100k events: p50', value: p50at100k, unit: 'ms', goal: '≤ 1 ms' });
    out.add({ metric: 'durable append, 1 event, DB at 100k events: p99 (includes snapshot stalls)', value: percentile(at100k, 99), unit: 'ms' });
    out.add({ metric: 'ratio p50 at 100k / p50 at 1k', value: p50at100k / p50at1k, goal: '≤ 1.5' });

    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: 16 }, (_, w) => (async () => { for (let i = 0; i < 250; i++) await store.append(`conc-${w}`, [event(i)]); })()));
    const concMs = Number(process.hrtime.bigint() - started) / 1e6;
    out.add({ metric: 'durable append, 16 concurrent appenders (group commit): per event', value: concMs / 4000, unit: 'ms' });

    const count = db.all<{ n: number }>('SELECT count(*) AS n FROM events')[0]!.n;
    let t = process.hrtime.bigint();
    await db.checkpoint();
    out.add({ metric: `snapshot (export + fsync + rename) at ${count} events`, value: Number(process.hrtime.bigint() - t) / 1e6, unit: 'ms' });
    out.add({ metric: 'snapshot file size', value: fs.statSync(path.join(databaseDir(root), SNAPSHOT_FILE)).size / 1e6, unit: 'MB' });
    await store.close();

    t = process.hrtime.bigint();
    db = await openWorkspaceDatabase(root, { mode: 'write' });
    out.add({ metric: `open a ${count}-event database (snapshot, empty journal)`, value: Number(process.hrtime.bigint() - t) / 1e6, unit: 'ms', goal: '≤ 1000 ms' });
    await db.close();

    // worst case after a crash: the journal holds just under its snapshot threshold, all to replay
    db = await openWorkspaceDatabase(root, { mode: 'write' });
    const limit = db.snapshotThresholdBytes;
    store = new SqlEventStore(db);
    const journalPath = () => listJournals(databaseDir(root)).at(-1)!.path;
    let tail = 0;
    while (fs.statSync(journalPath()).size < limit * 0.95) {
      await store.append('tail', Array.from({ length: 50 }, (_, i) => event(tail + i)));
      tail += 50;
    }
    // killed mid-write: the last frame is torn (half of it on disk)
    const full = fs.readFileSync(journalPath());
    fs.writeFileSync(journalPath(), full.subarray(0, full.length - 700));
    const journalBytes = fs.statSync(journalPath()).size;
    fs.rmSync(path.join(databaseDir(root), 'writer.lock')); // as if the process had been killed
    t = process.hrtime.bigint();
    const crashed = await openWorkspaceDatabase(root, { mode: 'write' });
    out.add({ metric: `open after a crash: snapshot + replay of ${(journalBytes / 1e6).toFixed(1)} MB journal (${tail} events), torn tail kept aside and cut`, value: Number(process.hrtime.bigint() - t) / 1e6, unit: 'ms' });
    out.add({ metric: 'torn tail found and kept aside', value: `${crashed.recovery.tornBytes} bytes, ${crashed.recovery.tornKeptAs?.length ?? 0} copy` });
    await crashed.close();
    out.add({ metric: 'peak RSS of the whole suite', value: peakRssMb(), unit: 'MB' });
    fs.rmSync(root, { recursive: true, force: true });
    return out.rows;
  },
};
