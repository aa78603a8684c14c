// The editor's store takes the writer lock only while something writes, so a CLI beside an idle
// window can write; and its reads follow what another writer made durable.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStore } from '../../../src/app/openStore';
import { WorkspaceStore } from '../../../src/app/workspaceStore';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cc-wstore-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cliWriter = (root: string, lockTimeoutMs = 100) => openStore(root, 'write', 'codecompanion run', { lockTimeoutMs });

describe('editor: the workspace store', () => {
  it('reads without taking the lock, and follows a CLI writer’s events', async () => {
    const root = tmp();
    const store = new WorkspaceStore(root, 'VS Code window', 20);
    assert.deepEqual(await (await store.read()).store.listRuns(), []);
    const cli = await cliWriter(root); // the window reading does not stop the CLI writing
    await cli.store.append('run-cli', [{ type: 'run.note', data: { n: 1 } }]);
    const runs = await (await store.read()).store.listRuns();
    assert.deepEqual(runs.map((r) => r.runId), ['run-cli']);
    await cli.close();
    await store.close();
  });

  it('holds the lock from write() to the last release(), then gives it back', async () => {
    const root = tmp();
    const store = new WorkspaceStore(root, 'VS Code window', 20);
    const a = await store.write();
    const b = await store.write();
    assert.equal(a, b, 'nested writes share one writer');
    await a.store.append('run-ed', [{ type: 'run.note', data: { n: 1 } }]);
    store.release();
    await sleep(60);
    await assert.rejects(cliWriter(root), /in use by another CodeCompanion process .*VS Code window/, 'one release of two keeps the lock');
    store.release();
    assert.equal(store.writing, true, 'it lingers a moment for back-to-back writes');
    await sleep(80);
    assert.equal(store.writing, false);
    // the lingering writer's close (a snapshot) may still be finishing on a loaded machine: wait for its lock
    const cli = await cliWriter(root, 10_000);
    assert.deepEqual((await cli.store.listRuns()).map((r) => r.runId), ['run-ed'], 'what the window wrote is durable');
    // while the CLI writes, the window can still read, and writing says who is busy
    assert.deepEqual((await (await store.read()).store.listRuns()).map((r) => r.runId), ['run-ed']);
    assert.equal(store.writerElsewhere()?.purpose, 'codecompanion run');
    await assert.rejects(store.write(), /database is busy .*codecompanion run/);
    await cli.close();
    assert.equal(store.writerElsewhere(), undefined);
    const again = await store.write();
    assert.equal(store.writerElsewhere(), undefined, 'this window writing is not someone else');
    await again.store.append('run-ed', [{ type: 'run.note', data: { n: 2 } }]);
    // a reader never gets the writer, so closing the writer cannot pull a database from under it
    const reader = await store.read();
    assert.notEqual(reader, again);
    assert.equal((await reader.store.readRun('run-ed')).length, 2, 'the reader follows this window’s writes too');
    store.release();
    await store.close();
  });
});
