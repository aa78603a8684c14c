// `codecompanion db status | move-aside` on real files: a foreign file is reported and kept; moving
// it aside needs --yes, renames rather than deletes, and the next open starts a fresh database.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { databaseDir, memoryDirOf, SNAPSHOT_FILE } from '../../../src/storage/layout';
import { openWorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import { SqlEventStore } from '../../../src/storage/sqlEventStore';
import { runCli } from '../../helpers/cliRunner';
import { copyFixture, FIXTURE, fixtureEvents, fixtureMemory, memoryRows } from './fixture';

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

describe('codecompanion db', () => {
  it('reports a foreign file clearly, keeps it, and moves it aside only with --yes', async () => {
    const root = tmp('cc-dbcli-');
    fs.mkdirSync(databaseDir(root), { recursive: true });
    const file = path.join(databaseDir(root), SNAPSHOT_FILE);
    const foreign = Buffer.from('%PDF-1.7 this is somebody’s document, not a database');
    fs.writeFileSync(file, foreign);

    const status = await runCli(['db', 'status', '--cwd', root]);
    assert.equal(status.code, 1);
    assert.match(status.stderr, /is not a usable CodeCompanion database .* left untouched/);
    assert.match(status.stderr, /codecompanion db move-aside --yes/);
    assert.ok(fs.readFileSync(file).equals(foreign));

    const refused = await runCli(['db', 'move-aside', '--cwd', root]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /confirm with --yes/);
    assert.ok(fs.readFileSync(file).equals(foreign), 'nothing moved without consent');

    const moved = await runCli(['db', 'move-aside', '--yes', '--cwd', root]);
    assert.equal(moved.code, 0, moved.stderr);
    const aside = fs.readdirSync(databaseDir(root)).filter((f) => f.includes('.aside-'));
    assert.equal(aside.length, 1);
    assert.ok(fs.readFileSync(path.join(databaseDir(root), aside[0]!)).equals(foreign), 'the old bytes are kept');
    assert.ok(moved.stdout.includes(aside[0]!));

    const fresh = await runCli(['db', 'status', '--cwd', root, '--json']);
    assert.equal(fresh.code, 0, fresh.stderr);
  });

  it('prints schema version, runs and events of a live database', async () => {
    const root = tmp('cc-dbcli-live-');
    const db = await openWorkspaceDatabase(root, { mode: 'write' });
    const store = new SqlEventStore(db);
    await store.append('run-1', [{ type: 'test.one', data: { n: 1 } }, { type: 'test.two', data: { n: 2 } }]);
    await db.close();
    const r = await runCli(['db', 'status', '--cwd', root, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.runs, 1);
    assert.equal(report.events, 2);
    assert.equal(report.schemaVersion, report.latestSchemaVersion);
    assert.equal(report.writer, null);
  });

  it('says there is no database yet rather than creating one', async () => {
    const root = tmp('cc-dbcli-none-');
    const r = await runCli(['db', 'status', '--cwd', root]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /no database yet/);
    assert.equal(fs.existsSync(databaseDir(root)), false);
  });

  it('db rebuild rebuilds every projection from the log: a damaged projection row comes back right', async () => {
    const root = copyFixture();
    const db = await openWorkspaceDatabase(root, { mode: 'write' });
    await db.write([{ sql: "UPDATE run_summaries SET status = 'running', cost_usd = 99" }, { sql: 'DELETE FROM model_performance' }]);
    await db.close();
    const damaged = await openWorkspaceDatabase(root, { mode: 'read-only' });
    assert.deepEqual(damaged.all('SELECT DISTINCT status FROM run_summaries'), [{ status: 'running' }]);
    await damaged.close();
    const r = await runCli(['db', 'rebuild', '--cwd', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rebuilt from the event log: run_summaries, model_performance, spend/);
    const runs = await runCli(['runs', '--json', '--cwd', root]);
    assert.deepEqual(JSON.parse(runs.stdout), JSON.parse(fs.readFileSync(path.join(FIXTURE, 'runs.v1.json'), 'utf8')));
    const check = await openWorkspaceDatabase(root, { mode: 'read-only' });
    assert.ok(Number(check.all<{ n: number }>('SELECT count(*) AS n FROM model_performance')[0]!.n) > 0);
    const rows = new SqlEventStore(check).runSummaries().map((r) => ({ runId: r.run_id, status: r.status, costUsd: r.cost_usd, events: r.event_count }));
    assert.deepEqual(rows.sort((a, b) => a.runId.localeCompare(b.runId)), JSON.parse(fs.readFileSync(path.join(FIXTURE, 'runs.v1.json'), 'utf8')).map((r: { runId: string; status: string; costUsd: number; events: number }) => ({ runId: r.runId, status: r.status, costUsd: r.costUsd, events: r.events })).sort((a: { runId: string }, b: { runId: string }) => a.runId.localeCompare(b.runId)));
    await check.close();
  });

  it('reports the memory index database apart from the event log, and moves either aside without touching the other', async () => {
    const root = copyFixture(); // a v1 database: its 19 memory chunks move to .codecompanion/memory/ at the first write
    fs.writeFileSync(path.join(root, 'users.ts'), 'export function listUsers(page: number) {\n  return users.slice(page * 20, page * 20 + 20);\n}\n');
    const indexed = await runCli(['index', '--cwd', root, '--keyword-only']);
    assert.equal(indexed.code, 0, indexed.stderr);
    const files = (dir: string) => Object.fromEntries(fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]));
    const mainDir = databaseDir(root);
    const memDir = memoryDirOf(mainDir);

    const status = await runCli(['db', 'status', '--cwd', root, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout);
    assert.equal(report.events, (await fixtureEvents()).length);
    assert.equal(report.memory.path, memDir);
    // the run memory moved from the v1 database, and this folder's two files (the v1 index's files are not here: indexing drops them)
    const isRun = (c: unknown) => (c as { source: string }).source === 'run';
    const held = await memoryRows(root);
    assert.deepEqual(held.chunks.filter(isRun), (await fixtureMemory()).chunks.filter(isRun));
    assert.deepEqual(held.files.map((f) => (f as { path: string }).path), ['runs.v1.json', 'users.ts']);
    assert.equal(report.memory.chunks, held.chunks.length);
    assert.equal(report.memory.files, 2);
    assert.ok(report.memory.bytesOnDisk > 0);
    assert.ok(!('memoryChunks' in report));
    const text = await runCli(['db', 'status', '--cwd', root]);
    assert.match(text.stdout, new RegExp(`memory index .*memory: ${held.chunks.length} chunk\\(s\\) over 2 file\\(s\\), [\\d.]+ KiB on disk`));

    // a damaged index: reported on its own line, the event log is still fine
    const snapshot = path.join(memDir, SNAPSHOT_FILE);
    fs.writeFileSync(snapshot, Buffer.from('not an index'));
    const damaged = await runCli(['db', 'status', '--cwd', root]);
    assert.equal(damaged.code, 1);
    assert.match(damaged.stdout, /\d+ event\(s\)/);
    assert.match(damaged.stdout, /memory index .* unusable/);
    assert.match(damaged.stdout, /codecompanion db move-aside --memory --yes/);
    const runs = await runCli(['runs', '--json', '--cwd', root]);
    assert.deepEqual(JSON.parse(runs.stdout), JSON.parse(fs.readFileSync(path.join(FIXTURE, 'runs.v1.json'), 'utf8')));

    const mainBefore = files(mainDir);
    const moved = await runCli(['db', 'move-aside', '--memory', '--yes', '--cwd', root]);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, /the event log was not touched/);
    assert.deepEqual(files(mainDir), mainBefore, 'the event log byte for byte');
    assert.ok(fs.readdirSync(memDir).some((f) => f.startsWith(`${SNAPSHOT_FILE}.aside-`)), 'the damaged index kept');
    const fresh = await runCli(['db', 'status', '--cwd', root, '--json']);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.equal(JSON.parse(fresh.stdout).memory.exists, false);

    // and the other way round: the event log moved aside leaves the index alone
    assert.equal((await runCli(['index', '--cwd', root, '--keyword-only'])).code, 0);
    const memBefore = files(memDir);
    const mainMoved = await runCli(['db', 'move-aside', '--yes', '--cwd', root]);
    assert.equal(mainMoved.code, 0, mainMoved.stderr);
    assert.deepEqual(files(memDir), memBefore);
    const search = await runCli(['search', 'list users', '--cwd', root, '--keyword-only', '--json']);
    assert.equal(search.code, 0, search.stderr);
    assert.equal(JSON.parse(search.stdout).hits[0].symbol, 'listUsers');
    // db rebuild rebuilds the memory's keyword index from its chunks too
    const rebuilt = await runCli(['db', 'rebuild', '--cwd', root]);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.match(rebuilt.stdout, /rebuilt the memory's keyword index from its [1-9]\d* chunk\(s\)/);
    const after = await runCli(['search', 'list users', '--cwd', root, '--keyword-only', '--json']);
    assert.equal(JSON.parse(after.stdout).hits[0].symbol, 'listUsers');
  });
});
