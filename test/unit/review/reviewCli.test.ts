// The review from the terminal: several runs pending at once, decisions by hunk id, rollback that
// keeps the user's later edits, all recorded as events every process folds the same way.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../helpers/cliRunner';
import { openStore } from '../../../src/app/openStore';
import { allHunks } from '../../../src/app/review/reviewState';
import { CONFIG, USERS, paginate, port, read, reviewBook, seedRun, tmpWorkspace } from './fixtures';

async function listJson(root: string, runId?: string) {
  const r = await runCli(['review', ...(runId ? [runId] : []), '--json', '--cwd', root]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { runId: string; pending: number; patches: { patchId: string; hunks: { id: string; path: string; decision: string; startLine: number; reason?: string }[] }[] }[];
}

describe('codecompanion review', () => {
  it('keeps two runs pending at once: proposing the second leaves the first one’s decisions alone', async () => {
    const root = tmpWorkspace();
    await seedRun(root, 'run-a', 'paginate', { 'task-1': paginate });
    await seedRun(root, 'run-b', 'port', { 'task-1': port });
    const a = await listJson(root, 'run-a');
    assert.equal(a[0]!.pending, 3);
    const [first, second] = a[0]!.patches[0]!.hunks;
    assert.equal((await runCli(['review', 'reject', first!.id, '--reason', 'keep the signature', '--cwd', root])).code, 0);
    assert.equal((await listJson(root, 'run-b'))[0]!.pending, 1, 'the second run is proposed beside the first');
    const all = await listJson(root);
    assert.deepEqual(all.map((r) => r.runId).sort(), ['run-a', 'run-b']);
    const runA = all.find((r) => r.runId === 'run-a')!;
    assert.equal(runA.pending, 2);
    assert.equal(runA.patches[0]!.hunks.find((h) => h.id === first!.id)!.decision, 'rejected');
    assert.equal(runA.patches[0]!.hunks.find((h) => h.id === first!.id)!.reason, 'keep the signature');
    assert.equal(runA.patches[0]!.hunks.find((h) => h.id === second!.id)!.decision, 'pending');
    assert.equal(read(root, 'src/users.js'), USERS, 'a reject writes nothing');
  });

  it('lists ids, files and line ranges, and shows a hunk’s diff', async () => {
    const root = tmpWorkspace();
    await seedRun(root, 'run-a', 'paginate', { 'task-1': paginate });
    const text = await runCli(['review', 'run-a', '--diff', '--cwd', root]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^run run-a: paginate \(3 pending\)/m);
    assert.match(text.stdout, /task-1\.r1\/src\/users\.js#[0-9a-f]{8}\s+pending\s+src\/users\.js lines 1-2 \(-2 \+2\)/);
    assert.match(text.stdout, /^\s+\+  return users\.slice\(\(page - 1\) \* size, page \* size\);$/m);
    const id = (await listJson(root))[0]!.patches[0]!.hunks[1]!.id;
    const show = await runCli(['review', 'show', id.split('#')[1]!, '--cwd', root]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^-  return users\.find\(\(u\) => u\.id === id\);$/m);
    assert.match(show.stdout, /^\+  return users\.find\(\(u\) => u\.id === id\) \?\? null;$/m);
  });

  it('accepts by id (or its digest), applies only those hunks and records them; every process folds the same review', async () => {
    const root = tmpWorkspace();
    await seedRun(root, 'run-a', 'paginate', { 'task-1': paginate });
    const hunks = (await listJson(root, 'run-a'))[0]!.patches[0]!.hunks;
    const r = await runCli(['review', 'accept', hunks[1]!.id.split('#')[1]!, '--cwd', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^1 hunk\(s\) applied/);
    assert.match(read(root, 'src/users.js')!, /find\(\(u\) => u\.id === id\) \?\? null;/);
    assert.match(read(root, 'src/users.js')!, /^export function list\(users\) \{$/m, 'the other hunk is still only proposed');
    const book = await reviewBook(root);
    const decided = allHunks(book.runs['run-a']!).map(({ hunk }) => hunk.decision);
    assert.deepEqual(decided, ['pending', 'accepted', 'pending']);
    assert.equal(book.runs['run-a']!.applied.length, 1);
    const entry = book.runs['run-a']!.applied[0]!;
    assert.equal(entry.kind, 'hunk', 'the checkpoint holds the hunk, not the file');
    const again = await runCli(['review', 'accept', hunks[1]!.id, '--cwd', root]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is not pending \(accepted\)/);
  });

  it('--all decides every pending hunk of a run, and asks which run when several are pending', async () => {
    const root = tmpWorkspace();
    await seedRun(root, 'run-a', 'paginate', { 'task-1': paginate });
    await seedRun(root, 'run-b', 'port', { 'task-1': port });
    await listJson(root, 'run-a');
    await listJson(root, 'run-b');
    const ambiguous = await runCli(['review', 'accept', '--all', '--cwd', root]);
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.stderr, /several runs have hunks pending \(run-[ab], run-[ab]\)/);
    assert.equal((await runCli(['review', 'accept', '--all', 'run-a', '--cwd', root])).code, 0);
    assert.equal(read(root, 'test/users.test.js'), 'test("list");\n');
    assert.equal((await runCli(['review', 'reject', '--all', '--reason', 'not now', '--cwd', root])).code, 0, 'run-b is the only one left');
    assert.equal(read(root, 'src/config.js'), CONFIG);
    assert.deepEqual(await listJson(root), []);
  });

  it('rolls back what was applied, keeps a later user edit and names the conflict', async () => {
    const root = tmpWorkspace();
    await seedRun(root, 'run-a', 'paginate', { 'task-1': paginate });
    await listJson(root, 'run-a');
    assert.equal((await runCli(['review', 'accept', '--all', 'run-a', '--cwd', root])).code, 0);
    const applied = read(root, 'src/users.js')!;
    // the user edits the line one hunk brought, and adds a line elsewhere
    const edited = applied.replace('?? null;', '?? undefined; // mine').replace('export function get', '// helper\nexport function get');
    fs.writeFileSync(path.join(root, 'src/users.js'), edited);
    const r = await runCli(['review', 'rollback', 'run-a', '--cwd', root]);
    assert.equal(r.code, 1, 'a conflict is not a success');
    assert.match(r.stdout, /2 change\(s\) taken back/);
    assert.match(r.stdout, /conflict: run-a\/task-1\.r1\/src\/users\.js#[0-9a-f]+: the lines it changed in src\/users\.js were edited since \(left as it is\)/);
    const now = read(root, 'src/users.js')!;
    assert.match(now, /\?\? undefined; \/\/ mine/, 'the user’s edit is kept');
    assert.match(now, /\/\/ helper/);
    assert.match(now, /^export function list\(users\) \{\n  return users;$/m, 'the other hunk is taken back');
    assert.equal(read(root, 'test/users.test.js'), undefined, 'the created file is gone');
    const book = await reviewBook(root);
    assert.deepEqual(allHunks(book.runs['run-a']!).map(({ hunk }) => hunk.decision), ['pending', 'accepted', 'pending'], 'taken back = pending again; the conflicting one stays applied');
  });

  it('decides while another process holds the database (a CLI run writing): the holder takes the decision, nobody waits for the run', async () => {
    const root = tmpWorkspace();
    await seedRun(root, 'run-a', 'paginate', { 'task-1': paginate });
    await seedRun(root, 'run-b', 'port', { 'task-1': port });
    await listJson(root, 'run-a');
    const [first, second] = (await listJson(root, 'run-a'))[0]!.patches[0]!.hunks;
    const run = await openStore(root, 'write', 'codecompanion run', { lockTimeoutMs: 5_000 });
    try {
      await run.store.append('run-b', [{ type: 'run.paused', data: { reason: 'still writing' } }]);
      const accepted = await runCli(['review', 'accept', first!.id, '--cwd', root]);
      assert.equal(accepted.code, 0, accepted.stderr);
      const rejected = await runCli(['review', 'reject', second!.id, '--reason', 'no', '--cwd', root]);
      assert.equal(rejected.code, 0, rejected.stderr);
      const types = (await run.store.readTypes('review.')).map((e) => e.type);
      assert.deepEqual(types.slice(-3), ['review.accepting', 'review.applied', 'review.rejected'], 'the writer appended them to the run’s stream');
      assert.equal(run.db.readOnly, false);
    } finally {
      await run.close();
    }
    const book = await reviewBook(root);
    assert.deepEqual(allHunks(book.runs['run-a']!).map(({ hunk }) => hunk.decision), ['accepted', 'rejected', 'pending']);
    assert.match(read(root, 'src/users.js')!, /page \* size/);
  });

  it('refuses unknown ids with a one-line hint and exits 1', async () => {
    const root = tmpWorkspace();
    await seedRun(root, 'run-a', 'paginate', { 'task-1': paginate });
    await listJson(root, 'run-a');
    const r = await runCli(['review', 'accept', 'nope', '--cwd', root]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `codecompanion review: no hunk "nope" in review; 'codecompanion review' lists the pending ones with their ids\n`);
  });
});
