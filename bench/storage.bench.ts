// Durable append cost as the log grows, open time, snapshot cost and memory of the workspace DB.
// Reproduce: npx tsx bench/run.ts storage   (part of npm run bench)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openWorkspaceDatabase } from '../src/storage/workspaceDatabase';
import { databaseDir, SNAPSHOT_FILE, listJournals } from '../src/storage/layout';
import { SqlEventStore } from '../src/storage/sqlEventStore';
import type { NewEvent } from '../src/core/ports/eventStore';
import { percentile, peakRssMb, rowCollector, type BenchSuite } from './harness';

function event(i: number): NewEvent {
  // ~300 bytes of JSON, the size of a coalesced agent.streamed or task.routed event
  return {
    type: i % 5 === 0 ? 'task.routed' : 'agent.streamed',
    data: { taskId: `task-${i % 16}`, agentId: `coder-${i % 4}`, model: 'claude-sonnet-4-6', text: 'const page = Math.max(1, Number(req.query.page ?? 1)); '.repeat(4).slice(0, 200 + (i % 60)) },
  };
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
    const journalBytes = fs.statSync(journalPath()).size;
    fs.rmSync(path.join(databaseDir(root), 'writer.lock')); // as if the process had been killed
    t = process.hrtime.bigint();
    const crashed = await openWorkspaceDatabase(root, { mode: 'read-only' });
    out.add({ metric: `open after a crash: snapshot + replay of ${(journalBytes / 1e6).toFixed(1)} MB journal (${tail} events)`, value: Number(process.hrtime.bigint() - t) / 1e6, unit: 'ms' });
    await crashed.close();
    out.add({ metric: 'peak RSS of the whole suite', value: peakRssMb(), unit: 'MB' });
    fs.rmSync(root, { recursive: true, force: true });
    return out.rows;
  },
};
