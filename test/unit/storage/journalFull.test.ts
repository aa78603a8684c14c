// A full disk: the journal switches to /dev/full (every write fails with ENOSPC, as on a full disk).
// Nothing after the failure is acknowledged, the error says what happened and what to do, and the
// records acknowledged before it are intact in the file.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeRecord, JOURNAL_MAGIC, JournalWriter, scanJournal } from '../../../src/storage/journal';

const record = (tx: number) => encodeRecord({ tx, statements: [{ sql: 'INSERT INTO t VALUES (?)', params: [tx] }] });

describe('journal on a full disk', function () {
  before(function () {
    if (!fs.existsSync('/dev/full')) this.skip(); // Linux only
  });

  it('acknowledges nothing once a write fails, says the disk is full, and keeps what was acknowledged', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cc-full-')), 'journal-000001.log');
    fs.writeFileSync(file, JOURNAL_MAGIC);
    const writer = new JournalWriter(fs.openSync(file, 'r+'), JOURNAL_MAGIC.length);
    await Promise.all([1, 2, 3].map((tx) => writer.append(record(tx))));

    const full = fs.openSync('/dev/full', 'r+');
    let oldFd: number | undefined;
    writer.rotate(full, 0, (fd) => (oldFd = fd));
    const results = await Promise.allSettled([4, 5].map((tx) => writer.append(record(tx))));
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.match((r as PromiseRejectedResult).reason.message, /could not persist to the journal \(ENOSPC\).*the disk is full: free space, then reopen the workspace/);
    }
    await assert.rejects(writer.append(record(6)), /ENOSPC/, 'later appends are refused too, never acknowledged out of order');
    assert.ok(writer.failed);

    fs.closeSync(oldFd!);
    fs.closeSync(full);
    const scan = scanJournal(fs.readFileSync(file));
    assert.deepEqual(scan.records.map((r) => r.tx), [1, 2, 3]);
    assert.equal(scan.tornBytes, 0);
  });
});
