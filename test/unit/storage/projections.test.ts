// Persisted projections against the log they come from: the same events appended in different
// batches, across process restarts (a resumed run primes the folds from its own events), give tables
// equal to a rebuild from the log, and equal to the old whole-history folds they replace. The review
// runs come from the real ReviewService (propose, accept, reject with a reason, rollback) on files.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseEvent, type RecordedEvent } from '../../../src/core/events';
import { PerformanceStore } from '../../../src/core/performance/performanceStore';
import { projectRun } from '../../../src/core/orchestrator/runState';
import type { StoredEvent } from '../../../src/core/ports/eventStore';
import { queryAll } from '../../../src/storage/database';
import { databaseDir } from '../../../src/storage/layout';
import { follow } from '../../../src/storage/recovery';
import { archiveDirOf } from '../../../src/storage/runArchive';
import { archiveRun } from '../../../src/storage/archiver';
import { rebuildProjections } from '../../../src/storage/projection';
import { PROJECTIONS } from '../../../src/storage/projections';
import { readModelStats } from '../../../src/storage/projections/modelPerformance';
import { daySpentUsd } from '../../../src/storage/projections/spend';
import { SqlEventStore } from '../../../src/storage/sqlEventStore';
import { openDatabaseAt, openWorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import { fixtureEvents } from './fixture';
import { openStore } from '../../../src/app/openStore';
import { NodeReviewFiles } from '../../../src/app/review/nodeFiles';
import { ReviewService } from '../../../src/app/review/reviewService';
import { StoreReviewLog } from '../../../src/app/review/storeReviewLog';
import { allHunks } from '../../../src/core/review/reviewTypes';
import { projectReviews } from '../../../src/core/review/reviewProjection';
import { readReview, readActiveReviews } from '../../../src/storage/projections/reviews';
import { paginate, port, seedRun, tmpWorkspace } from '../review/fixtures';

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

function dump(read: SqlEventStore['read']): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const p of PROJECTIONS) for (const t of p.tables) out[t] = read(`SELECT * FROM ${t}`).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return out;
}

/**
 * The database as the next process opens it (its snapshot, then the journal a closing writer may have
 * left), read without writing, with its projections rebuilt from the log in memory.
 */
async function rebuiltFromLog(root: string): Promise<Record<string, unknown[]>> {
  const image = await follow(databaseDir(root));
  try {
    rebuildProjections(image.db, PROJECTIONS, archiveDirOf(databaseDir(root)));
    return dump((sql, params) => queryAll(image.db, sql, params));
  } finally {
    image.statements.clear();
    image.db.close();
  }
}

/** The fixture's runs replayed as several runs with new ids and times, interleaved as a busy workspace's would be. */
async function history(): Promise<StoredEvent[][]> {
  const events = await fixtureEvents();
  const runs = [...new Set(events.map((e) => e.runId))];
  const out: StoredEvent[][] = [];
  for (let copy = 0; copy < 3; copy++) for (const runId of runs) out.push(events.filter((e) => e.runId === runId).map((e) => ({ ...e, runId: `${runId}-c${copy}`, ts: e.ts + copy * 9 * 3600_000 })));
  // more reviewed runs than the review fold keeps in memory, so some continue from their rows
  const reviewed = await reviewedRun();
  for (let copy = 0; copy < 10; copy++)
    out.push(reviewed.map((e) => ({ ...e, runId: `rev-c${copy}`, data: JSON.parse(JSON.stringify(e.data).replaceAll('"rev/', `"rev-c${copy}/`)), ts: e.ts + copy * 3600_000 })));
  return out;
}

/** A run reviewed through the ReviewService on real files: accepted, rejected with a reason, rolled back, accepted again, one hunk left pending. */
async function reviewedRun(): Promise<StoredEvent[]> {
  const root = tmpWorkspace();
  await seedRun(root, 'rev', 'paginate and port', { 'task-1': paginate, 'task-2': port });
  const opened = await openStore(root, 'write', 'test review');
  try {
    const service = new ReviewService(new NodeReviewFiles(root), new StoreReviewLog(opened.store));
    await service.propose(projectRun('rev', (await opened.store.readRun('rev')).map(parseEvent)));
    const ids = allHunks((await service.load(['rev'])).runs.rev!).map(({ hunk }) => hunk.id);
    assert.ok(ids.length >= 3, `${ids.length} hunks`);
    await service.accept([ids[0]!]);
    await service.reject([ids[1]!], 'not this one');
    await service.rollback('rev');
    await service.accept(ids.slice(0, 1).concat(ids.slice(2, -1)));
    const events = await opened.store.readRun('rev');
    assert.ok(['review.proposed', 'review.accepting', 'review.applied', 'review.rejected', 'review.rollingBack', 'review.rolledBack'].every((t) => events.some((e) => e.type === t)));
    return events;
  } finally {
    await opened.close();
  }
}

describe('persisted projections', () => {
  it('kept incrementally across batches, reopenings and run archives equal a rebuild from the log, and the old whole-history folds', async () => {
    const root = tmp('cc-proj-');
    const runs = await history();
    let db = await openWorkspaceDatabase(root, { mode: 'write' });
    let store = new SqlEventStore(db);
    // interleave: one event of each run in turn, in batches of 1..5, reopening the database now and then
    const cursors = runs.map(() => 0);
    let turn = 0;
    let appended = 0;
    while (cursors.some((c, i) => c < runs[i]!.length)) {
      const i = turn++ % runs.length;
      const run = runs[i]!;
      if (cursors[i]! >= run.length) continue;
      const size = 1 + (turn % 5);
      const batch = run.slice(cursors[i], cursors[i]! + size);
      cursors[i] = cursors[i]! + batch.length;
      await store.append(batch[0]!.runId, batch.map((e) => ({ type: e.type, data: e.data, ts: e.ts })));
      // now and then a run's events so far move to an archive file (compacted or not), its later ones
      // stay in the table: folds primed after a reopen read both
      if (appended % 23 === 11) await archiveRun(store, batch[0]!.runId, { compact: appended % 2 === 0 });
      if (++appended % 17 === 0) {
        await store.close();
        db = await openWorkspaceDatabase(root, { mode: 'write' });
        store = new SqlEventStore(db);
      }
    }
    const incremental = dump(store.read);
    const all: RecordedEvent[] = (await readAllEvents(store)).map(parseEvent);
    await store.close();

    // the same database (snapshot and journal, as the next open reads it) with its projections rebuilt from the log
    const rebuilt = await rebuiltFromLog(root);
    assert.ok((incremental.run_summaries ?? []).length === runs.length);
    assert.equal((incremental.review_runs ?? []).length, 10);
    assert.ok(fs.readdirSync(path.join(root, '.codecompanion', 'runs')).length > 3, 'some runs were archived along the way');
    assert.deepEqual(rebuilt, incremental);

    // and what the projections say is what folding every event says
    const reopened = new SqlEventStore(await openWorkspaceDatabase(root, { mode: 'read-only' }));
    try {
      const folded = PerformanceStore.fromEvents(all).all().sort(byKey);
      assert.deepEqual(readModelStats(reopened.read).sort(byKey), folded);
      const lastTs = Math.max(...all.map((e) => e.ts));
      const dayStart = new Date(lastTs).setHours(0, 0, 0, 0);
      const spent = all.filter((e) => e.ts >= dayStart && (e.type === 'agent.call.finished' || e.type === 'agent.call.failed')).reduce((n, e) => n + ((e.data as { costUsd: number | null }).costUsd ?? 0), 0);
      assert.ok(spent > 0);
      assert.ok(Math.abs(daySpentUsd(reopened.read, lastTs) - spent) < 1e-12);
      // the review rows are the fold of the runs' review events, and the pending ones are the active rows
      const reviewsFolded = projectReviews(all.filter((e) => e.type.startsWith('review.')));
      assert.equal(Object.keys(reviewsFolded.runs).length, 10);
      for (const [runId, review] of Object.entries(reviewsFolded.runs)) assert.deepEqual(readReview(reopened.read, runId), JSON.parse(JSON.stringify(review)));
      assert.deepEqual(readActiveReviews(reopened.read).map((r) => r.runId).sort(), Object.keys(reviewsFolded.runs).sort());
      for (const row of reopened.runSummaries()) {
        const state = projectRun(row.run_id, all.filter((e) => e.runId === row.run_id));
        assert.deepEqual([row.status, row.objective, row.cost_usd, row.event_count], [state.status, state.objective, state.cost.spentUsd, state.lastSeq]);
      }
    } finally {
      await reopened.close();
    }
  });

  it('a decision on a finished run, in a writer that never saw the run, reads none of its events and leaves the rows a rebuild gives', async () => {
    const root = tmpWorkspace();
    await seedRun(root, 'done', 'paginate and port', { 'task-1': paginate, 'task-2': port });
    const seeded = await openStore(root, 'write', 'test propose');
    await new ReviewService(new NodeReviewFiles(root), new StoreReviewLog(seeded.store)).propose(projectRun('done', (await seeded.store.readRun('done')).map(parseEvent)));
    await seeded.close();
    // a fresh process: its folds know nothing of the run, so anything they needed of it would be read
    const opened = await openStore(root, 'write', 'test decide');
    const reads: string[] = [];
    const runEvents = opened.store.events.runEvents.bind(opened.store.events);
    opened.store.events.runEvents = (runId, fromSeq) => {
      reads.push(runId);
      return runEvents(runId, fromSeq);
    };
    const service = new ReviewService(new NodeReviewFiles(root), new StoreReviewLog(opened.store));
    const hunks = allHunks((await service.load(['done'])).runs.done!);
    const byPatch = (patchId: string) => hunks.filter(({ patch }) => patch.patchId === patchId).map(({ hunk }) => hunk.id);
    await service.reject(byPatch('task-2.r1'), 'keep the port fixed');
    await service.accept(byPatch('task-1.r1').slice(0, 1));
    assert.deepEqual(reads, []);
    const incremental = dump(opened.store.read);
    const row = opened.store.runSummary('done')!;
    const types = (await opened.store.readRun('done')).map((e) => e.type);
    await opened.close();
    // the rejected patch no longer counts as one to review; the accepted one (partly applied) does
    assert.equal(row.for_review, 1);
    assert.equal(row.last_type, types[types.length - 1]);
    assert.equal(row.event_count, types.length);
    assert.ok(types.includes('patch.rejected') && types.includes('patch.applied'));

    const rebuilt = await rebuiltFromLog(root);
    assert.deepEqual(rebuilt, incremental);
  });

  it('a projection of another version is rebuilt at the next open, from the log', async () => {
    const dir = path.join(tmp('cc-proj-v-'), 'db');
    const store = new SqlEventStore(await openDatabaseAt(dir, { mode: 'write' }));
    for (const run of (await history()).slice(0, 2)) await store.append(run[0]!.runId, run.map((e) => ({ type: e.type, data: e.data, ts: e.ts })));
    const before = dump(store.read);
    await store.db.write([{ sql: "UPDATE cc_projections SET version = 0 WHERE name = 'run_summaries'" }, { sql: 'DELETE FROM run_summaries' }]);
    await store.close();
    const db = await openDatabaseAt(dir, { mode: 'write' });
    assert.deepEqual(db.recovery.rebuiltProjections, ['run_summaries']);
    const again = new SqlEventStore(db);
    assert.deepEqual(dump(again.read), before);
    await again.close();
  });
});

function byKey(a: { provider: string; model: string; role: string }, b: { provider: string; model: string; role: string }): number {
  return `${a.provider}/${a.model}/${a.role}`.localeCompare(`${b.provider}/${b.model}/${b.role}`);
}

async function readAllEvents(store: SqlEventStore): Promise<StoredEvent[]> {
  return store.readAll(1, 1_000_000);
}
