// A .codecompanion/ written by the schema-v1 code (test/fixtures/v1-workspace, committed as written,
// with `runs --json` as that code printed it) opens, migrates and loses nothing: its memory index
// moves into the memory database (.codecompanion/memory/) exactly once, and leaves the event log.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSqlJs } from '../../../src/storage/database';
import { databaseDir, memoryDirOf } from '../../../src/storage/layout';
import { moveLegacyMemory } from '../../../src/storage/legacyMemory';
import { MEMORY_SCHEMA } from '../../../src/storage/memorySchema';
import { SCHEMA_VERSION } from '../../../src/storage/migrations';
import { PROJECTIONS } from '../../../src/storage/projections';
import { SqlEventStore } from '../../../src/storage/sqlEventStore';
import { openDatabaseAt, openWorkspaceDatabase, type WorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import { runCli } from '../../helpers/cliRunner';
import { copyFixture, FIXTURE, fixtureEvents, fixtureMemory, memoryRows } from './fixture';

const memoryTables = (db: WorkspaceDatabase) => db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('memory_files', 'memory_chunks', 'memory_vectors')").map((r) => r.name);

describe('migration from a v1 workspace database', () => {
  it('a reader sees the old database with its projections built in memory, changing no byte', async () => {
    const root = copyFixture();
    const before = fs.readFileSync(path.join(root, '.codecompanion', 'state.sqlite'));
    const db = await openWorkspaceDatabase(root, { mode: 'read-only' });
    const store = new SqlEventStore(db);
    assert.equal(store.runSummaries().length, 2);
    await store.close();
    assert.ok(fs.readFileSync(path.join(root, '.codecompanion', 'state.sqlite')).equals(before));
    assert.equal(fs.existsSync(memoryDirOf(databaseDir(root))), false, 'a reader creates no memory database');
  });

  it('the writer migrates it: every event kept, every memory row moved to the memory database once, run list as v1 printed it', async () => {
    const root = copyFixture();
    const old = await fixtureEvents();
    const oldMemory = await fixtureMemory();
    assert.equal(oldMemory.chunks.length, 19);
    const db = await openWorkspaceDatabase(root, { mode: 'write' });
    assert.equal(db.recovery.migratedFrom, 1);
    assert.deepEqual([...(db.recovery.rebuiltProjections ?? [])].sort(), PROJECTIONS.map((p) => p.name).sort());
    const store = new SqlEventStore(db);
    const events = await store.readAll(1, 1_000_000);
    assert.equal(events.length, old.length);
    assert.deepEqual(events, old);
    assert.deepEqual(memoryTables(db), [], 'the event log no longer holds the index');
    await store.close();
    assert.deepEqual(await memoryRows(root), oldMemory);

    // durable: a second open is already at the latest version, rebuilds and moves nothing
    const again = await openWorkspaceDatabase(root, { mode: 'write' });
    assert.equal(again.recovery.migratedFrom, undefined);
    assert.equal(again.recovery.rebuiltProjections, undefined);
    assert.equal(Number(again.all<{ user_version: number }>('PRAGMA user_version')[0]!.user_version), SCHEMA_VERSION);
    // the dropped tables' pages are not kept in the snapshot every process loads
    assert.equal(Number(again.all<{ freelist_count: number }>('PRAGMA freelist_count')[0]!.freelist_count), 0);
    await again.close();
    assert.deepEqual(await memoryRows(root), oldMemory, 'nothing copied twice');

    const runs = await runCli(['runs', '--json', '--cwd', root]);
    assert.equal(runs.code, 0, runs.stderr);
    assert.deepEqual(JSON.parse(runs.stdout), JSON.parse(fs.readFileSync(path.join(FIXTURE, 'runs.v1.json'), 'utf8')));
  });

  it('a kill after the copy reached the memory database but before the drop did: the next open drops, copies nothing again', async () => {
    const root = copyFixture();
    const oldMemory = await fixtureMemory();
    // exactly what the writer's open does before the migration, and nothing after it
    const SQL = await loadSqlJs();
    const image = new SQL.Database(fs.readFileSync(path.join(root, '.codecompanion', 'state.sqlite')));
    await moveLegacyMemory(image, (seed) => openDatabaseAt(memoryDirOf(databaseDir(root)), { schema: MEMORY_SCHEMA, mode: 'write', seed }));
    image.close();
    assert.deepEqual(await memoryRows(root), oldMemory);

    const db = await openWorkspaceDatabase(root, { mode: 'write' });
    assert.equal(db.recovery.migratedFrom, 1);
    assert.deepEqual(memoryTables(db), []);
    await db.close();
    assert.deepEqual(await memoryRows(root), oldMemory, 'the marker kept the copy from running twice');
  });
});
