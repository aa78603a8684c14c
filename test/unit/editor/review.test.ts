import { strict as assert } from 'node:assert';
import { evolve, initialRunState, type RunState } from '../../../src/core/orchestrator/runState';
import { event, type RunEvent } from '../../../src/core/events';
import type { CodePatch } from '../../../src/core/patch/codePatch';
import { parseText, type FileText } from '../../../src/core/patch/fileText';
import { applyReplacements, planHunks } from '../../../src/app/review/hunks';
import { buildReview, decide, patchOutcome, reviewSummary, selectHunks, type ReviewState } from '../../../src/app/review/reviewState';
import { hunkEntries, planRollback, type Checkpoint, type CheckpointEntry } from '../../../src/app/review/checkpoint';

const USERS = ['export function list(users) {', '  return users;', '}', '', 'export function get(users, id) {', '  return users.find((u) => u.id === id);', '}', ''].join('\n');

function runWith(patches: Record<string, CodePatch>): RunState {
  const events: RunEvent[] = [];
  for (const [taskId, body] of Object.entries(patches)) {
    const patchId = `${taskId}.r1`;
    const artifactId = `${patchId}.coder.out`;
    events.push(
      event('artifact.produced', { kind: 'CodePatch', artifactId, taskId, body }),
      event('patch.proposed', { patchId, taskId, round: 1, artifactId, provider: 'anthropic', model: 'm', files: body.edits.map((e) => e.path) }),
      event('patch.accepted', { patchId, taskId }),
    );
  }
  return events.reduce<RunState>((s, e) => evolve(s, e), { ...initialRunState('run-1'), objective: 'paginate' });
}

function disk(files: Record<string, string>) {
  return (p: string): FileText | undefined => (files[p] === undefined ? undefined : parseText(files[p]!));
}

const paginate: CodePatch = {
  summary: 'paginate list',
  edits: [{ kind: 'searchReplace', path: 'src/users.js', blocks: [{ search: 'export function list(users) {\n  return users;', replace: 'export function list(users, page = 1, size = 10) {\n  return users.slice((page - 1) * size, page * size);' }, { search: '  return users.find((u) => u.id === id);', replace: '  return users.find((u) => u.id === id) ?? null;' }] }],
};
const tests: CodePatch = { summary: 'tests', edits: [{ kind: 'create', path: 'test/users.test.js', content: 'test("list");\n' }] };
const onTop: CodePatch = { summary: 'doc', edits: [{ kind: 'searchReplace', path: 'src/users.js', blocks: [{ search: 'export function list(users, page = 1, size = 10) {', replace: '// pages of users\nexport function list(users, page = 1, size = 10) {' }] }] };

describe('editor: review state', () => {
  it('splits each accepted patch into per-file hunks, later patches on top of earlier ones', () => {
    const review = buildReview(runWith({ 'task-1': paginate, 'task-2': tests, 'task-3': onTop }), disk({ 'src/users.js': USERS }));
    assert.deepEqual(review.patches.map((p) => p.patchId), ['task-1.r1', 'task-2.r1', 'task-3.r1']);
    assert.equal(review.patches[0]!.files[0]!.hunks.length, 2);
    assert.equal(review.patches[1]!.files[0]!.action, 'create');
    assert.equal(review.patches[2]!.files[0]!.hunks.length, 1, 'the third patch applies to the file as the first left it');
    assert.deepEqual(review.patches[2]!.problems, []);
  });

  it('selects hunks by patch, file, index or id, and decides only pending ones', () => {
    let review: ReviewState = buildReview(runWith({ 'task-1': paginate, 'task-2': tests }), disk({ 'src/users.js': USERS }));
    const first = selectHunks(review, { patchId: 'task-1.r1', file: 'src/users.js', hunk: 0 });
    assert.equal(first.length, 1);
    review = decide(review, new Set(first.map((r) => r.hunk.id)), 'accepted');
    const second = selectHunks(review, { hunk: selectHunks(review, { patchId: 'task-1.r1' })[0]!.hunk.id });
    review = decide(review, new Set(second.map((r) => r.hunk.id)), 'rejected', 'keep get() strict');
    review = decide(review, new Set(first.map((r) => r.hunk.id)), 'rejected');
    assert.equal(patchOutcome(review.patches[0]!), 'partial');
    assert.equal(patchOutcome(review.patches[1]!), 'pending');
    const json = JSON.parse(JSON.stringify(reviewSummary(review)));
    assert.deepEqual(json.counts, { pending: 1, accepted: 1, rejected: 1, conflict: 0 });
    assert.equal(json.patches[0].files[0].hunks[1].reason, 'keep get() strict');
  });

  it('a patch that no longer applies is listed with its problem and nothing to review', () => {
    const review = buildReview(runWith({ 'task-1': paginate }), disk({ 'src/users.js': 'something else\n' }));
    assert.equal(review.patches[0]!.files.length, 0);
    assert.match(review.patches[0]!.problems[0]!, /src\/users\.js/);
  });
});

describe('editor: checkpoint and rollback', () => {
  function acceptAll(lines: string[], review: ReviewState, path: string): { lines: string[]; entries: CheckpointEntry[] } {
    const hunks = review.patches.flatMap((p) => p.files.filter((f) => f.path === path).flatMap((f) => f.hunks));
    const plan = planHunks(lines, hunks);
    const after = applyReplacements(lines, plan.replacements);
    return { lines: after, entries: hunkEntries(path, after, plan.placed) };
  }

  it('rollback restores what the run changed and keeps the user edits made since', () => {
    const review = buildReview(runWith({ 'task-1': paginate }), disk({ 'src/users.js': USERS }));
    const original = parseText(USERS).lines;
    const applied = acceptAll(original, review, 'src/users.js');
    assert.notDeepEqual(applied.lines, original);
    // the user adds a line at the top and edits the blank line between the functions
    const userEdited = ['// my header', ...applied.lines];
    userEdited[userEdited.indexOf('')] = '// between';
    const cp: Checkpoint = { runId: 'run-1', entries: applied.entries };
    const plan = planRollback(cp, () => userEdited, () => userEdited.join('\n'));
    assert.deepEqual(plan.conflicts, []);
    const write = plan.operations[0]!;
    assert.equal(write.kind, 'write');
    const expected = ['// my header', ...original];
    expected[expected.indexOf('')] = '// between';
    assert.deepEqual(write.kind === 'write' && write.after, expected);
  });

  it('a hunk whose lines the user changed is a conflict and stays; the others revert', () => {
    const review = buildReview(runWith({ 'task-1': paginate }), disk({ 'src/users.js': USERS }));
    const original = parseText(USERS).lines;
    const applied = acceptAll(original, review, 'src/users.js');
    const edited = applied.lines.map((l) => (l.includes('?? null') ? '  return users.find((u) => u.id === id) ?? undefined;' : l));
    const plan = planRollback({ runId: 'run-1', entries: applied.entries }, () => edited, () => edited.join('\n'));
    assert.equal(plan.conflicts.length, 1);
    assert.equal(plan.reverted.length, 1);
    const write = plan.operations[0]!;
    assert.ok(write.kind === 'write' && write.after.includes('export function list(users) {'));
    assert.ok(write.kind === 'write' && write.after.some((l) => l.includes('?? undefined')));
  });

  it('a created file is deleted only while it is as the run left it', () => {
    const entry: CheckpointEntry = { kind: 'create', hunkId: 'h', path: 'a.txt', content: 'x\n' };
    assert.deepEqual(planRollback({ runId: 'r', entries: [entry] }, () => undefined, () => 'x\n').operations, [{ kind: 'delete', path: 'a.txt' }]);
    const edited = planRollback({ runId: 'r', entries: [entry] }, () => undefined, () => 'x\ny\n');
    assert.equal(edited.operations.length, 0);
    assert.equal(edited.conflicts.length, 1);
  });

  it('hunks applied in two steps revert newest first', () => {
    const review = buildReview(runWith({ 'task-1': paginate, 'task-3': onTop }), disk({ 'src/users.js': USERS }));
    const original = parseText(USERS).lines;
    const first = planHunks(original, review.patches[0]!.files[0]!.hunks);
    const mid = applyReplacements(original, first.replacements);
    const second = planHunks(mid, review.patches[1]!.files[0]!.hunks);
    const end = applyReplacements(mid, second.replacements);
    const entries = [...hunkEntries('src/users.js', mid, first.placed), ...hunkEntries('src/users.js', end, second.placed)];
    const plan = planRollback({ runId: 'r', entries }, () => end, () => end.join('\n'));
    assert.deepEqual(plan.conflicts, []);
    const write = plan.operations[0]!;
    assert.deepEqual(write.kind === 'write' && write.after, original);
  });
});
