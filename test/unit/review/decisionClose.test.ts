// A terminal decision with no run takes the writer lock itself. Its close leaves the decision's few
// records in the journal (fsync'ed before the command acknowledged it) instead of snapshotting the
// whole database: what the close costs is what the decision wrote, not what the workspace holds.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../helpers/cliRunner';
import { openStore } from '../../../src/app/openStore';
import { allHunks } from '../../../src/app/review/reviewState';
import { CHECKSUM_FILE, databaseDir, listJournals, SNAPSHOT_FILE } from '../../../src/storage/layout';
import { readReview } from '../../../src/storage/projections/reviews';
import { paginate, reviewBook, seedRun, tmpWorkspace } from './fixtures';

interface FileId {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly bytes: Buffer;
}

function identity(file: string): FileId {
  const st = fs.statSync(file);
  return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, bytes: fs.readFileSync(file) };
}

function assertUnchanged(file: string, before: FileId, when: string): void {
  const now = identity(file);
  assert.deepEqual([now.ino, now.size, now.mtimeMs], [before.ino, before.size, before.mtimeMs], `${path.basename(file)} was rewritten ${when}`);
  assert.ok(now.bytes.equals(before.bytes), `${path.basename(file)} changed ${when}`);
}

const journalBytes = (root: string) => listJournals(databaseDir(root)).reduce((n, j) => n + fs.statSync(j.path).size, 0);

describe('a review decision from the terminal, no run writing', () => {
  it('leaves state.sqlite as it was (same inode, size, mtime and bytes); a reader following, a new reader and the next writer all see the decision', async () => {
    const root = tmpWorkspace();
    await seedRun(root, 'run-a', 'paginate', { 'task-1': paginate });
    const listed = await runCli(['review', 'run-a', '--json', '--cwd', root]); // proposes the run's patches
    assert.equal(listed.code, 0, listed.stderr);
    const hunkId = (JSON.parse(listed.stdout) as { patches: { hunks: { id: string }[] }[] }[])[0]!.patches[0]!.hunks[0]!.id;
    // everything so far in the snapshot, so only the decision can change the files from here
    const settled = await openStore(root, 'write', 'test settle');
    await settled.maintenance;
    await settled.db.checkpoint();
    await settled.close();
    const snapshot = path.join(databaseDir(root), SNAPSHOT_FILE);
    const sum = path.join(databaseDir(root), CHECKSUM_FILE);
    const before = identity(snapshot);
    const sumBefore = identity(sum);
    const journalBefore = journalBytes(root);
    // a long-lived reader (the editor's follower) opened before the decision
    const follower = await openStore(root, 'read-only', 'test follower');
    try {
      const decided = await runCli(['review', 'reject', hunkId, '--reason', 'keep the signature', '--cwd', root]);
      assert.equal(decided.code, 0, decided.stderr);
      assertUnchanged(snapshot, before, 'by the decision');
      assertUnchanged(sum, sumBefore, 'by the decision');
      assert.ok(journalBytes(root) > journalBefore, 'the decision is in the journal');

      assert.ok((await follower.db.refresh()) > 0, 'the follower applies the decision from the journal');
      const followed = allHunks(readReview(follower.store.read, 'run-a')!).find(({ hunk }) => hunk.id === hunkId)!.hunk;
      assert.deepEqual([followed.decision, followed.reason], ['rejected', 'keep the signature']);
    } finally {
      await follower.close();
    }

    const book = await reviewBook(root); // a new reader: snapshot, then the journal replayed
    assert.equal(allHunks(book.runs['run-a']!).find(({ hunk }) => hunk.id === hunkId)!.hunk.decision, 'rejected');

    const writer = await openStore(root, 'write', 'test next writer');
    try {
      assert.ok(writer.db.recovery.replayedTransactions > 0, 'the next writer replays the decision from the journal');
      assert.equal(allHunks(readReview(writer.store.read, 'run-a')!).find(({ hunk }) => hunk.id === hunkId)!.hunk.decision, 'rejected');
      await writer.maintenance;
    } finally {
      await writer.close();
    }
    assertUnchanged(snapshot, before, 'by a writer that only read');
    const again = await reviewBook(root);
    assert.equal(allHunks(again.runs['run-a']!).find(({ hunk }) => hunk.id === hunkId)!.hunk.decision, 'rejected');
  });
});
