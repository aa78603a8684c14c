// The snapshot's checksum and the readers that follow a writer across its snapshots.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { databaseDir, DatabaseFileError, SNAPSHOT_FILE, CHECKSUM_FILE, listJournals } from '../../../src/storage/layout';
import { SqlEventStore } from '../../../src/storage/sqlEventStore';
import { openWorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import { runCli } from '../../helpers/cliRunner';
import { copyFixture } from './fixture';

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

async function withEvents(n: number): Promise<string> {
  const root = tmp('cc-snap-');
  const db = await openWorkspaceDatabase(root, { mode: 'write' });
  const store = new SqlEventStore(db);
  for (let i = 0; i < n; i++) await store.append('r', [{ type: 't', data: { i, text: 'payload '.repeat(20) } }]);
  await db.checkpoint(); // the events in the snapshot (a close this small leaves them in the journal)
  await store.close();
  return root;
}

describe('a closing writer', () => {
  it('leaves a few records in the journal instead of rewriting the whole snapshot, and snapshots once the journal is a quarter of the way to the threshold', async () => {
    const root = await withEvents(3);
    const file = path.join(databaseDir(root), SNAPSHOT_FILE);
    const before = fs.readFileSync(file);
    const small = await openWorkspaceDatabase(root, { mode: 'write' });
    await new SqlEventStore(small).append('decision', [{ type: 't', data: { n: 1 } }]);
    await small.close();
    assert.ok(fs.readFileSync(file).equals(before), 'the snapshot is untouched');
    const reopened = await openWorkspaceDatabase(root, { mode: 'read-only' });
    assert.equal(reopened.recovery.replayedTransactions, 1, 'the next open replays the one record');
    assert.equal((await new SqlEventStore(reopened).readRun('decision')).length, 1);
    await reopened.close();
    // 40 records start a snapshot: a close past 10 takes one, and the records left before count too
    const few = await openWorkspaceDatabase(root, { mode: 'write', snapshotEveryRecords: 40 });
    const fewStore = new SqlEventStore(few);
    for (let i = 0; i < 8; i++) await fewStore.append('busy', [{ type: 't', data: { i } }]);
    await few.close();
    assert.ok(fs.readFileSync(file).equals(before), '9 records: still in the journal');
    const busy = await openWorkspaceDatabase(root, { mode: 'write', snapshotEveryRecords: 40 });
    const store = new SqlEventStore(busy);
    for (let i = 8; i < 10; i++) await store.append('busy', [{ type: 't', data: { i } }]);
    await busy.close();
    const after = await openWorkspaceDatabase(root, { mode: 'read-only' });
    assert.equal(after.recovery.replayedTransactions, 0, 'past a quarter of the snapshot threshold, the close took a snapshot');
    assert.equal((await new SqlEventStore(after).readRun('busy')).length, 10);
    assert.equal((await new SqlEventStore(after).readRun('decision')).length, 1);
    await after.close();
  });
});

describe('snapshot checksum', () => {
  it('a snapshot damaged after it was written is refused and reported, never repaired, by writers and readers', async () => {
    const root = await withEvents(50);
    const file = path.join(databaseDir(root), SNAPSHOT_FILE);
    const good = await openWorkspaceDatabase(root, { mode: 'read-only' });
    assert.equal(good.recovery.snapshotCheck, 'verified');
    await good.close();
    const bytes = fs.readFileSync(file);
    // a byte deep in a data page: SQLite's own checks may not notice, the checksum does
    const damaged = Buffer.from(bytes);
    const at = damaged.lastIndexOf(Buffer.from('payload'));
    damaged[at + 2] = damaged[at + 2]! ^ 0x20;
    fs.writeFileSync(file, damaged);
    for (const mode of ['write', 'read-only'] as const) {
      await assert.rejects(openWorkspaceDatabase(root, { mode }), (err: unknown) => err instanceof DatabaseFileError && /does not match its checksum/.test(err.message));
    }
    assert.ok(fs.readFileSync(file).equals(damaged), 'left byte-identical');
    const status = await runCli(['db', 'status', '--cwd', root]);
    assert.equal(status.code, 1);
    assert.match(status.stderr, /does not match its checksum/);
  });

  it('a snapshot from before checksums opens, is said to have none, and gets one at its next snapshot', async () => {
    const root = copyFixture();
    const reader = await openWorkspaceDatabase(root, { mode: 'read-only' });
    assert.equal(reader.recovery.snapshotCheck, 'no checksum yet');
    await reader.close();
    await (await openWorkspaceDatabase(root, { mode: 'write' })).close(); // migrates and snapshots
    assert.ok(fs.existsSync(path.join(databaseDir(root), CHECKSUM_FILE)));
    const again = await openWorkspaceDatabase(root, { mode: 'read-only' });
    assert.equal(again.recovery.snapshotCheck, 'verified');
    await again.close();
  });
});

describe('a reader following a writer', () => {
  it('sees a run written by a writer whose closing snapshot left only a new, empty journal (issue 17, defect 1)', async () => {
    const root = await withEvents(3);
    const reader = await openWorkspaceDatabase(root, { mode: 'read-only' });
    const readerStore = new SqlEventStore(reader);
    assert.equal((await readerStore.readRun('r')).length, 3);
    const writerDb = await openWorkspaceDatabase(root, { mode: 'write' });
    const writer = new SqlEventStore(writerDb);
    await writer.append('show-me', [{ type: 't', data: { n: 1 } }, { type: 't', data: { n: 2 } }]);
    await writerDb.checkpoint(); // as a closing writer does once its journal is worth a snapshot
    await writer.close(); // the records are now in the snapshot only
    const journals = listJournals(databaseDir(root));
    assert.equal(journals.length, 1);
    assert.equal(fs.statSync(journals[0]!.path).size, 11, 'only the new generation, holding just its magic');
    const applied = await reader.refresh();
    assert.ok(applied >= 1);
    assert.equal((await readerStore.readRun('show-me')).length, 2);
    await readerStore.close();
  });
});

describe('a reader opening while a writer snapshots', () => {
  it('never pairs the old snapshot it read with the journal the new snapshot left: it reads again', async () => {
    const root = await withEvents(3);
    const readFile = fs.promises.readFile;
    let raced = false;
    // the writer's snapshot lands just after the reader has read the old snapshot's bytes
    fs.promises.readFile = (async (...args: Parameters<typeof readFile>) => {
      const bytes = await readFile(...args);
      if (!raced && String(args[0]).endsWith(SNAPSHOT_FILE)) {
        raced = true;
        const writerDb = await openWorkspaceDatabase(root, { mode: 'write' });
        const writer = new SqlEventStore(writerDb);
        await writer.append('late', [{ type: 't', data: { n: 1 } }]);
        await writerDb.checkpoint();
        await writer.close();
      }
      return bytes;
    }) as typeof readFile;
    try {
      const reader = new SqlEventStore(await openWorkspaceDatabase(root, { mode: 'read-only' }));
      assert.ok(raced, 'the race was staged');
      assert.equal((await reader.readRun('late')).length, 1, 'the reader holds the run the new snapshot has');
      assert.equal((await reader.readRun('r')).length, 3);
      await reader.close();
    } finally {
      fs.promises.readFile = readFile;
    }
  });
});
