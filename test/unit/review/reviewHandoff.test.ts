// A decision beside a process that holds the workspace database: the decider asks the holder for the
// review rows it needs (never loading the database itself), hands its events over, and reads the
// database itself only when no answer comes.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openStore, type OpenedStore } from '../../../src/app/openStore';
import { WorkspaceStore } from '../../../src/app/workspaceStore';
import { WorkspaceReview } from '../../../src/app/review/workspaceReview';
import { allHunks } from '../../../src/app/review/reviewState';
import { askReviews, INBOX_DIR } from '../../../src/storage/handoff';
import { databaseDir } from '../../../src/storage/layout';
import { parseReviewState } from '../../../src/storage/projections/reviews';
import { paginate, port, read, reviewBook, seedRun, tmpWorkspace } from './fixtures';
import { runCli } from '../../helpers/cliRunner';

/** A WorkspaceStore that counts how often its own read-only image is opened or brought up to date. */
class CountingStore extends WorkspaceStore {
  reads = 0;
  override read(): ReturnType<WorkspaceStore['read']> {
    this.reads++;
    return super.read();
  }
}

async function proposed(root: string): Promise<void> {
  await seedRun(root, 'run-a', 'paginate', { 'task-1': paginate });
  await seedRun(root, 'run-b', 'port', { 'task-1': port });
  for (const runId of ['run-a', 'run-b']) assert.equal((await runCli(['review', runId, '--cwd', root])).code, 0);
}

const inbox = (root: string) => fs.readdirSync(path.join(databaseDir(root), INBOX_DIR));

describe('review beside the process holding the database', () => {
  let holder: OpenedStore | undefined;
  afterEach(async () => {
    await holder?.close();
    holder = undefined;
  });

  it('asks the holder for the rows it needs: decisions by id never open the database in the deciding process', async () => {
    const root = tmpWorkspace();
    await proposed(root);
    holder = await openStore(root, 'write', 'codecompanion run', { lockTimeoutMs: 5_000 });
    const store = new CountingStore(root, 'test decider', 0);
    try {
      const review = new WorkspaceReview(root, store);
      const service = review.service({ explicit: true });
      assert.deepEqual(await service.reconcile(), []);
      const book = await service.load(['run-a']);
      const [first, second] = allHunks(book.runs['run-a']!).map(({ hunk }) => hunk.id);
      assert.equal((await service.accept([first!])).applied, 1);
      assert.equal((await service.reject([second!], 'too wide')).rejected, 1);
      // its own decisions come back in the next answer: the holder answers in turn with the appends
      const after = await service.load(['run-a']);
      assert.deepEqual(allHunks(after.runs['run-a']!).map(({ hunk }) => hunk.decision), ['accepted', 'rejected', 'pending']);
      assert.equal(store.reads, 0, 'every read was answered by the holder');
      assert.deepEqual(inbox(root), [], 'nothing is left in the inbox');
    } finally {
      await store.close();
    }
    await holder.close();
    holder = undefined;
    const book = await reviewBook(root);
    assert.deepEqual(allHunks(book.runs['run-a']!).map(({ hunk }) => hunk.decision), ['accepted', 'rejected', 'pending'], 'a fresh process folds the same from the log');
    assert.match(read(root, 'src/users.js')!, /page \* size/);
  });

  it('answers exactly what a reader of the database reads: the active reviews first, then only what changed', async () => {
    const root = tmpWorkspace();
    await proposed(root);
    holder = await openStore(root, 'write', 'codecompanion run', { lockTimeoutMs: 5_000 });
    const dir = databaseDir(root);
    const first = await askReviews(dir, { runIds: [] }, { timeoutMs: 10_000 });
    assert.ok(first);
    assert.deepEqual(first.states.map((s) => parseReviewState(s).runId).sort(), ['run-a', 'run-b']);
    const none = await askReviews(dir, { seen: first.seen, runIds: [] }, { timeoutMs: 10_000 });
    assert.deepEqual(none, { states: [], seen: first.seen }, 'nothing changed since');
    const hunk = allHunks(parseReviewState(first.states.find((s) => parseReviewState(s).runId === 'run-b')!))[0]!.hunk.id;
    assert.equal((await runCli(['review', 'reject', hunk, '--cwd', root])).code, 0);
    const changed = await askReviews(dir, { seen: first.seen, runIds: [] }, { timeoutMs: 10_000 });
    assert.ok(changed && changed.seen > first.seen);
    assert.deepEqual(changed.states.map((s) => parseReviewState(s).runId), ['run-b']);
    assert.equal(allHunks(parseReviewState(changed.states[0]!))[0]!.hunk.decision, 'rejected');
  });

  it('with nobody answering (a holder gone or too old to answer), the asker gives up in time, leaves nothing behind and reads the database itself', async () => {
    const root = tmpWorkspace();
    await proposed(root);
    const dir = databaseDir(root);
    assert.equal(await askReviews(dir, { runIds: [] }, { timeoutMs: 50 }), undefined);
    assert.deepEqual(inbox(root), []);
    // a lock file naming a live process that serves no inbox: the review falls back to its own reader
    const lock = path.join(dir, 'writer.lock');
    holder = await openStore(root, 'write', 'codecompanion run', { lockTimeoutMs: 5_000 });
    const owner = fs.readFileSync(lock);
    await holder.close();
    holder = undefined;
    fs.writeFileSync(lock, owner);
    const store = new CountingStore(root, 'test decider', 0);
    try {
      assert.ok(store.writerElsewhere(), 'the lock names a live owner (this process)');
      const review = new WorkspaceReview(root, store);
      const started = Date.now();
      const book = await review.service({ explicit: true }).load(['run-a']);
      assert.equal(allHunks(book.runs['run-a']!).length, 3);
      assert.ok(store.reads > 0, 'read from its own image after no answer came');
      assert.ok(Date.now() - started < 20_000);
    } finally {
      await store.close();
      fs.rmSync(lock, { force: true });
    }
    assert.deepEqual(inbox(root), []);
  });

  it('the holder skips a question that does not parse, and sweeps answers nobody took', async () => {
    const root = tmpWorkspace();
    await proposed(root);
    const dir = path.join(databaseDir(root), INBOX_DIR);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '000000000000001-bad.ask'), '{"runIds": "not a list"}');
    const stale = path.join(dir, '000000000000002-gone.answer');
    fs.writeFileSync(stale, '{}');
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(stale, old, old);
    holder = await openStore(root, 'write', 'codecompanion run', { lockTimeoutMs: 5_000 });
    const answer = await askReviews(databaseDir(root), { runIds: ['run-a'] }, { timeoutMs: 10_000 });
    assert.ok(answer, 'a good question is still answered');
    assert.deepEqual(inbox(root), [], 'the bad question and the stale answer are gone, and no answer was written for the bad one');
  });
});
