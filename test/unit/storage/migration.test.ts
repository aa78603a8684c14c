// A .codecompanion/ written by the schema-v1 code (test/fixtures/v1-workspace, committed as written,
// with `runs --json` as that code printed it) opens, migrates and loses nothing.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SCHEMA_VERSION } from '../../../src/storage/migrations';
import { PROJECTIONS } from '../../../src/storage/projections';
import { SqlEventStore } from '../../../src/storage/sqlEventStore';
import { openWorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import { runCli } from '../../helpers/cliRunner';
import { copyFixture, FIXTURE, fixtureEvents } from './fixture';

describe('migration from a v1 workspace database', () => {
  it('a reader sees the old database with its projections built in memory, changing no byte', async () => {
    const root = copyFixture();
    const before = fs.readFileSync(path.join(root, '.codecompanion', 'state.sqlite'));
    const db = await openWorkspaceDatabase(root, { mode: 'read-only' });
    const store = new SqlEventStore(db);
    assert.equal(store.runSummaries().length, 2);
    await store.close();
    assert.ok(fs.readFileSync(path.join(root, '.codecompanion', 'state.sqlite')).equals(before));
  });

  it('the writer migrates it: every event and memory chunk kept, run list as v1 printed it', async () => {
    const root = copyFixture();
    const old = await fixtureEvents();
    const db = await openWorkspaceDatabase(root, { mode: 'write' });
    assert.equal(db.recovery.migratedFrom, 1);
    assert.deepEqual([...(db.recovery.rebuiltProjections ?? [])].sort(), PROJECTIONS.map((p) => p.name).sort());
    const store = new SqlEventStore(db);
    const events = await store.readAll(1, 1_000_000);
    assert.equal(events.length, old.length);
    assert.deepEqual(events, old);
    assert.equal(Number(db.all<{ n: number }>('SELECT count(*) AS n FROM memory_chunks')[0]!.n), 19);
    await store.close();

    // durable: a second open is already at the latest version and rebuilds nothing
    const again = await openWorkspaceDatabase(root, { mode: 'write' });
    assert.equal(again.recovery.migratedFrom, undefined);
    assert.equal(again.recovery.rebuiltProjections, undefined);
    assert.equal(Number(again.all<{ user_version: number }>('PRAGMA user_version')[0]!.user_version), SCHEMA_VERSION);
    await again.close();

    const runs = await runCli(['runs', '--json', '--cwd', root]);
    assert.equal(runs.code, 0, runs.stderr);
    assert.deepEqual(JSON.parse(runs.stdout), JSON.parse(fs.readFileSync(path.join(FIXTURE, 'runs.v1.json'), 'utf8')));
  });
});
