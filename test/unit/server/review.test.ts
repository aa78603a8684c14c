// The review over HTTP against a started server, the run itself started through the API on the fake
// vendors: listed, decided by hunk and by patch, rolled back, with the files on disk and the events
// (what the CLI and the editor fold) agreeing; bad requests get a 4xx and change nothing.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SENSITIVE_PATHS_ENV } from '../../../src/core/patch/sensitivePaths';
import { allHunks } from '../../../src/core/review/reviewTypes';
import { fakeEnv, sampleTeamServer } from '../orchestrator/helpers';
import { reviewBook } from '../review/fixtures';
import { serve, type Served, waitFor, hunkUrl } from './helpers';

const SENSITIVE = 'test/users.test.js';



describe('serve: the review endpoints', function () {
  this.timeout(180_000);
  const models = sampleTeamServer();
  let s: Served | undefined;
  afterEach(async () => {
    await s?.server.close();
    s = undefined;
  });

  it('a run started by the API is reviewed by the API: listed, accepted and rejected by hunk and by patch, rolled back; the files and the log agree', async () => {
    s = await serve(models(), { env: { ...fakeEnv(models()), [SENSITIVE_PATHS_ENV]: SENSITIVE }, log: (l) => console.error(l) });
    const root = s.root;
    const original = new Map(['src/users.js', 'src/server.js', 'test/users.test.js', 'README.md'].map((p) => [p, fs.existsSync(path.join(root, p)) ? fs.readFileSync(path.join(root, p), 'utf8') : undefined]));
    const started = await s.api('POST', '/runs', { objective: 'add pagination to the users API', reviewers: 1, apply: false });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const runId = started.body.runId as string;
    await waitFor(`run ${runId} to end`, async () => {
      const r = await s!.api('GET', `/runs/${runId}`);
      return r.body.status === 'completed' && !r.body.active ? true : undefined;
    });

    // the finished run's accepted patches are pending review, listed with ids, files and line ranges
    const list = await s.api('GET', '/reviews');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(list.body.reviews.map((r: any) => r.runId), [runId]);
    const review = (await s.api('GET', `/runs/${runId}/review`)).body;
    const hunks = review.patches.flatMap((p: any) => p.hunks);
    assert.ok(hunks.length >= 3, `${hunks.length} hunks`);
    assert.equal(review.pending, hunks.length);
    assert.ok(hunks.every((h: any) => h.decision === 'pending' && h.id.startsWith(`${runId}/`) && h.startLine >= 1));
    const before = JSON.stringify(review);

    // bad requests: a clear 4xx, and nothing decided
    const bad = [
      await s.api('POST', hunkUrl(`${runId}/nope/src/users.js#000000`, 'accept')),
      await s.api('POST', hunkUrl(hunks[0].id, 'reject'), { reason: 5 }),
      await s.api('POST', hunkUrl(hunks[0].id, 'reject'), { reason: 'x', extra: true }),
      await s.api('POST', `/runs/${runId}/patches/no-such.r1/accept`),
      await s.api('POST', `/runs/${runId}/patches/bad%20id/accept`),
      await s.api('POST', `/runs/${runId}/rollback`),
      await s.api('GET', '/runs/no-such-run/review'),
      await s.api('POST', hunkUrl(hunks[0].id, 'accept'), undefined, { authorization: 'Bearer wrong' }),
    ];
    assert.deepEqual(bad.map((r) => r.status), [404, 400, 400, 404, 400, 409, 404, 401]);
    for (const r of bad) assert.match(r.body.error.message, /\S/, JSON.stringify(r.body));
    assert.match(bad[0]!.body.error.message, /no hunk/);
    assert.match(bad[5]!.body.error.message, /nothing of .* is applied/);
    assert.equal(JSON.stringify((await s.api('GET', `/runs/${runId}/review`)).body), before, 'a refused request changed the review');

    // one hunk accepted by id (a sensitive file may change when named), one rejected with a reason
    const modify = hunks.find((h: any) => h.action === 'modify' && h.path !== SENSITIVE)!;
    const accepted = await s.api('POST', hunkUrl(modify.id, 'accept'));
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.applied, 1);
    const text = fs.readFileSync(path.join(root, modify.path), 'utf8');
    assert.ok(modify.newLines.every((l: string) => text.includes(l)), `${modify.path} does not hold the accepted lines`);
    const other = hunks.find((h: any) => h.patchId !== modify.patchId && h.path !== SENSITIVE) ?? hunks.find((h: any) => h.id !== modify.id && h.path !== SENSITIVE)!;
    const rejected = await s.api('POST', hunkUrl(other.id, 'reject'), { reason: 'keep the old signature' });
    assert.equal(rejected.body.rejected, 1);
    const again = await s.api('POST', hunkUrl(modify.id, 'accept'));
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, /is not pending \(accepted\)/);

    // a whole patch: its sensitive file stays pending (held, rule named) until accepted by id
    const sensitivePatch = review.patches.find((p: any) => p.hunks.some((h: any) => h.path === SENSITIVE && h.decision === 'pending'));
    assert.ok(sensitivePatch, `no patch of the sample run touches ${SENSITIVE}`);
    {
      const whole = await s.api('POST', `/runs/${runId}/patches/${sensitivePatch.patchId}/accept`);
      assert.equal(whole.status, 200, JSON.stringify(whole.body));
      assert.deepEqual(whole.body.held, [{ path: SENSITIVE, rule: SENSITIVE }]);
      assert.equal(fs.readFileSync(path.join(root, SENSITIVE), 'utf8'), original.get(SENSITIVE));
      const named = await s.api('POST', hunkUrl(sensitivePatch.hunks.find((h: any) => h.path === SENSITIVE).id, 'accept'));
      assert.equal(named.body.applied, 1);
      assert.notEqual(fs.readFileSync(path.join(root, SENSITIVE), 'utf8'), original.get(SENSITIVE));
    }
    const after = (await s.api('GET', `/runs/${runId}/review`)).body;
    const decided = new Map<string, any>(after.patches.flatMap((p: any) => p.hunks).map((h: any) => [h.id, h]));
    assert.equal((decided.get(modify.id) as any).decision, 'accepted');
    assert.deepEqual([(decided.get(other.id) as any).decision, (decided.get(other.id) as any).reason], ['rejected', 'keep the old signature']);

    // the log says the same to every other process (the fold the CLI and the editor keep)
    const book = await reviewBook(root);
    const folded = new Map(allHunks(book.runs[runId]!).map(({ hunk }) => [hunk.id, hunk.decision]));
    for (const [id, h] of decided) assert.equal(folded.get(id), (h as any).decision, id);

    // a rollback takes back every applied hunk: the files are as before the review
    const applied = after.applied as number;
    assert.ok(applied >= 1);
    const rolled = await s.api('POST', `/runs/${runId}/rollback`);
    assert.equal(rolled.status, 200, JSON.stringify(rolled.body));
    assert.deepEqual(rolled.body, { reverted: applied, conflicts: [] });
    for (const [p, t] of original) assert.equal(fs.existsSync(path.join(root, p)) ? fs.readFileSync(path.join(root, p), 'utf8') : undefined, t, p);
    const last = (await s.api('GET', `/runs/${runId}/review`)).body;
    assert.equal(last.applied, 0);
    assert.equal(last.patches.flatMap((p: any) => p.hunks).find((h: any) => h.id === modify.id).decision, 'pending', 'a rolled-back hunk can be taken again');
  });
});
