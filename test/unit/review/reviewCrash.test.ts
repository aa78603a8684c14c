// kill -9 during an accept and a rollback, at every step (after the intent is durable, after each
// file, after all files, after the outcome is recorded) and at random moments: the next process
// reconciles, and then the files and the log agree. Children run the built CLI, as a user would.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../helpers/cliRunner';
import { allHunks } from '../../../src/app/review/reviewState';
import type { ReviewBook } from '../../../src/core/review/reviewProjection';
import { CONFIG, USERS, paginate, port, read, reviewBook, seedRun, tmpWorkspace } from './fixtures';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

function cli(args: string[], env: NodeJS.ProcessEnv = {}, killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** The files say exactly what the log says: accepted hunks are in, pending ones are not, nothing is half-written. */
function assertAgree(root: string, book: ReviewBook, context: string): void {
  for (const run of Object.values(book.runs)) {
    assert.deepEqual(run.inFlight, [], `${context}: no write is left unsettled`);
    for (const { file, hunk } of allHunks(run)) {
      const text = read(root, file.path);
      const has = (lines: readonly string[]) => text !== undefined && text.includes(lines.join('\n'));
      if (file.action === 'create') assert.equal(text !== undefined, hunk.decision === 'accepted', `${context}: ${file.path} exists iff accepted`);
      else if (hunk.decision === 'accepted') assert.ok(has(hunk.newLines) && !has(hunk.oldLines), `${context}: ${hunk.id} accepted, so it is in the file`);
      else if (hunk.decision === 'pending') assert.ok(has(hunk.oldLines) && !has(hunk.newLines), `${context}: ${hunk.id} pending, so the file has it as before`);
    }
  }
  for (const p of ['src', 'test']) for (const f of fs.existsSync(path.join(root, p)) ? fs.readdirSync(path.join(root, p)) : []) assert.doesNotMatch(f, /\.cc-\d+-\d+\.(tmp|bak|del)$/, `${context}: no temporary file left (${f})`);
}

async function pendingRun(): Promise<{ root: string; ids: string[] }> {
  const root = tmpWorkspace();
  await seedRun(root, 'run-a', 'paginate', { 'task-1': paginate, 'task-2': port });
  const r = await runCli(['review', 'run-a', '--json', '--cwd', root]);
  assert.equal(r.code, 0, r.stderr);
  const ids = (JSON.parse(r.stdout) as { patches: { hunks: { id: string }[] }[] }[])[0]!.patches.flatMap((p) => p.hunks.map((h) => h.id));
  return { root, ids };
}

describe('review: kill -9 during an accept or a rollback', function () {
  this.timeout(240_000);

  const points = ['intent', 'file:src/users.js', 'file:test/users.test.js', 'written', 'recorded'];
  for (const at of points) {
    it(`an accept killed at ${at}: after restart the files and the log agree`, async () => {
      const { root } = await pendingRun();
      const killed = await cli(['review', 'accept', '--all', 'run-a', '--cwd', root], { CODECOMPANION_TEST_CRASH_AT: at });
      assert.equal(killed.signal, 'SIGKILL', `it died at ${at}: ${killed.stderr}`);
      const after = await cli(['review', '--cwd', root]);
      assert.equal(after.code, 0, after.stderr);
      if (at === 'intent' || at.startsWith('file:') || at === 'written') assert.match(after.stderr, /an interrupted accept (never reached the files|was finished|was recorded)/);
      const book = await reviewBook(root);
      assertAgree(root, book, at);
      const decisions = allHunks(book.runs['run-a']!).map(({ hunk }) => hunk.decision);
      if (at === 'intent') assert.deepEqual(decisions, ['pending', 'pending', 'pending', 'pending'], 'nothing was written: pending again');
      else assert.deepEqual(decisions, ['accepted', 'accepted', 'accepted', 'accepted'], 'part or all was written: the accept is finished');
    });
  }

  it('a rollback killed at each step: after restart the files and the log agree', async () => {
    for (const at of ['intent', 'file:src/users.js', 'written']) {
      const { root } = await pendingRun();
      assert.equal((await cli(['review', 'accept', '--all', 'run-a', '--cwd', root])).code, 0);
      const killed = await cli(['review', 'rollback', 'run-a', '--cwd', root], { CODECOMPANION_TEST_CRASH_AT: at });
      assert.equal(killed.signal, 'SIGKILL', at);
      assert.equal((await cli(['review', '--cwd', root])).code, 0);
      const book = await reviewBook(root);
      assertAgree(root, book, `rollback ${at}`);
      const decisions = allHunks(book.runs['run-a']!).map(({ hunk }) => hunk.decision);
      if (at === 'intent') assert.deepEqual(decisions, ['accepted', 'accepted', 'accepted', 'accepted']);
      else {
        assert.deepEqual(decisions, ['pending', 'pending', 'pending', 'pending'], `${at}: the rollback is finished`);
        assert.equal(read(root, 'src/users.js'), USERS);
        assert.equal(read(root, 'src/config.js'), CONFIG);
      }
    }
  });

  it('accepts killed at random moments (12 runs): the files and the log always agree after restart', async () => {
    let interrupted = 0;
    for (let i = 0; i < 12; i++) {
      const { root, ids } = await pendingRun();
      const killed = await cli(['review', 'accept', ...ids, '--cwd', root], {}, 40 + ((i * 37) % 160));
      if (killed.signal === 'SIGKILL') interrupted++;
      assert.equal((await cli(['review', '--cwd', root])).code, 0);
      assertAgree(root, await reviewBook(root), `random kill ${i}`);
    }
    assert.ok(interrupted > 0, 'some accepts were interrupted');
  });
});
