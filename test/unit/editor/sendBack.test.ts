import { strict as assert } from 'node:assert';
import { event, type RunEvent } from '../../../src/core/events';
import { evolve, initialRunState, type RunState } from '../../../src/core/orchestrator/runState';
import type { CodePatch } from '../../../src/core/patch/codePatch';
import { parseText, type FileText } from '../../../src/core/patch/fileText';
import { buildReview, decide, selectHunks, type ReviewState } from '../../../src/app/review/reviewState';
import { reviewAfterRevision, revisionReasons, sendBackCandidates } from '../../../src/app/review/sendBack';

const USERS = ['function list(users) {', '  return users;', '}', '', 'function get(users, id) {', '  return users.find((u) => u.id === id);', '}', ''].join('\n');

const code: CodePatch = {
  summary: 'null for a missing user, paged list',
  edits: [{ kind: 'searchReplace', path: 'src/users.js', blocks: [{ search: '  return users;', replace: '  return users.slice(0, 10);' }, { search: '  return users.find((u) => u.id === id);', replace: '  return users.find((u) => u.id === id) ?? null;' }] }],
};
const readme: CodePatch = { summary: 'docs', edits: [{ kind: 'create', path: 'README.md', content: '# users\n\nOne user, or 404.\n' }] };
const revised: CodePatch = { summary: 'docs, with 400', edits: [{ kind: 'create', path: 'README.md', content: '# users\n\nOne user; 400 when the id is not a number.\n' }] };

function proposed(taskId: string, round: number, body: CodePatch, provider: 'anthropic' | 'openai' = 'anthropic'): RunEvent[] {
  const patchId = `${taskId}.r${round}`;
  const artifactId = `${patchId}.coder.out`;
  return [
    event('artifact.produced', { kind: 'CodePatch', artifactId, taskId, body }),
    event('patch.proposed', { patchId, taskId, round, artifactId, provider, model: 'm', files: body.edits.map((e) => e.path) }),
    event('patch.accepted', { patchId, taskId }),
  ];
}

const fold = (events: readonly RunEvent[]): RunState => events.reduce<RunState>((s, e) => evolve(s, e), { ...initialRunState('run-1'), objective: 'users' });
const disk = (files: Record<string, string>) => (p: string): FileText | undefined => (files[p] === undefined ? undefined : parseText(files[p]!));
const FIRST = [...proposed('code', 1, code), ...proposed('docs', 1, readme, 'openai')];

describe('editor: sending a patch back to its author', () => {
  it('turns each rejected hunk into a reason naming its file and lines; no reason gets a generic one', () => {
    let review = buildReview(fold(FIRST), disk({ 'src/users.js': USERS }));
    const [listHunk, getHunk] = selectHunks(review, { patchId: 'code.r1' });
    review = decide(review, new Set([getHunk!.hunk.id]), 'rejected', '  keep get() returning undefined ');
    review = decide(review, new Set([listHunk!.hunk.id]), 'rejected');
    review = decide(review, new Set(selectHunks(review, { patchId: 'docs.r1' }).map((r) => r.hunk.id)), 'rejected', 'say what a bad id answers');
    assert.deepEqual(revisionReasons(review.patches[0]!), ['the user rejected this change in src/users.js line 2', 'src/users.js line 6: keep get() returning undefined']);
    assert.deepEqual(revisionReasons(review.patches[1]!), ['README.md lines 1-3: say what a bad id answers']);
  });

  it('offers the patches with rejected hunks, those with the user’s reasons first, and nothing else', () => {
    let review = buildReview(fold(FIRST), disk({ 'src/users.js': USERS }));
    assert.deepEqual(sendBackCandidates(review), []);
    review = decide(review, new Set([selectHunks(review, { patchId: 'code.r1' })[0]!.hunk.id]), 'rejected');
    review = decide(review, new Set(selectHunks(review, { patchId: 'docs.r1' }).map((r) => r.hunk.id)), 'rejected', 'why');
    assert.deepEqual(sendBackCandidates(review).map((p) => p.patchId), ['docs.r1', 'code.r1']);
  });

  it('after the revision, the new patch replaces the one sent back, pending against the files on disk; other decisions stay', () => {
    let before: ReviewState = buildReview(fold(FIRST), disk({ 'src/users.js': USERS }));
    const codeHunks = selectHunks(before, { patchId: 'code.r1' });
    before = decide(before, new Set([codeHunks[0]!.hunk.id]), 'accepted');
    before = decide(before, new Set(selectHunks(before, { patchId: 'docs.r1' }).map((r) => r.hunk.id)), 'rejected', 'say what a bad id answers');
    const run = fold([
      ...FIRST,
      event('patch.applied', { patchId: 'code.r1', files: ['src/users.js'], ok: true }),
      event('patch.rejected', { patchId: 'docs.r1', taskId: 'docs', reasons: ['x'], final: false }),
      event('task.revision.requested', { taskId: 'docs', patchId: 'docs.r1', reasons: ['x'] }),
      ...proposed('docs', 2, revised, 'openai'),
    ]);
    const { state, patchId } = reviewAfterRevision(before, run, 'docs.r1', disk({ 'src/users.js': USERS.replace('  return users;', '  return users.slice(0, 10);') }));
    assert.equal(patchId, 'docs.r2');
    assert.deepEqual(state.patches.map((p) => p.patchId), ['code.r1', 'docs.r2']);
    assert.deepEqual(state.patches[0], before.patches[0], 'the other patch keeps its accepted and pending hunks');
    const added = state.patches[1]!;
    assert.equal(added.files[0]!.action, 'create');
    assert.deepEqual(added.files[0]!.hunks.map((h) => h.decision), ['pending']);
    assert.match(added.files[0]!.content ?? '', /400 when the id is not a number/);
  });

  it('a revision that ends without a new accepted patch leaves the review as it was', () => {
    const before = buildReview(fold(FIRST), disk({ 'src/users.js': USERS }));
    const run = fold([...FIRST, event('task.revision.requested', { taskId: 'docs', patchId: 'docs.r1', reasons: ['x'] }), event('patch.rejected', { patchId: 'docs.r1', taskId: 'docs', reasons: ['still wrong'], final: true })]);
    const after = reviewAfterRevision(before, run, 'docs.r1', disk({ 'src/users.js': USERS }));
    assert.equal(after.patchId, null);
    assert.equal(after.state, before);
  });
});
