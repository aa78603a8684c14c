// A review an earlier version kept in workspaceState becomes events once: folded, it says what the
// memento said (decisions, reasons, what can be rolled back).
import { strict as assert } from 'node:assert';
import { parseText } from '../../../src/core/patch/fileText';
import { applyReplacements, planHunks } from '../../../src/app/review/hunks';
import { hunkEntries } from '../../../src/app/review/checkpoint';
import { migrateLegacyReview } from '../../../src/app/review/legacyReview';
import { EMPTY_BOOK, evolveReview, type ReviewBook } from '../../../src/core/review/reviewProjection';
import { allHunks, buildReview, decide } from '../../../src/app/review/reviewState';
import { evolve, initialRunState } from '../../../src/core/orchestrator/runState';
import { currentProcess } from '../../../src/storage/processIdentity';
import { paginate, runEvents, USERS } from './fixtures';

function fold(events: ReadonlyMap<string, readonly { type: string; data: unknown }[]>, book: ReviewBook = EMPTY_BOOK): ReviewBook {
  let seq = 0;
  for (const [runId, list] of events) for (const e of list) book = evolveReview(book, { ...(e as object), runId, seq: ++seq, globalSeq: seq, ts: seq } as never);
  return book;
}

describe('review: migration from workspaceState', () => {
  it('carries the old review and checkpoint into events that fold to the same decisions', () => {
    const run = runEvents('paginate', { 'task-1': paginate }).reduce((s, e) => evolve(s, { ...e, runId: 'run-old', seq: 0, globalSeq: 0, ts: 0 } as never), initialRunState('run-old'));
    let legacy = buildReview(run, (p) => (p === 'src/users.js' ? parseText(USERS) : undefined));
    const [first, second] = allHunks(legacy);
    const plan = planHunks(parseText(USERS).lines, [first!.hunk]);
    const checkpoint = [{ runId: 'run-old', entries: hunkEntries('src/users.js', applyReplacements(parseText(USERS).lines, plan.replacements), plan.placed) }];
    legacy = decide(decide(legacy, new Set([first!.hunk.id]), 'accepted'), new Set([second!.hunk.id]), 'rejected', 'keep it strict');
    const plainJson = JSON.parse(JSON.stringify(legacy)) as unknown;
    const { events, problems } = migrateLegacyReview(plainJson, JSON.parse(JSON.stringify(checkpoint)), EMPTY_BOOK, currentProcess());
    assert.deepEqual(problems, []);
    const book = fold(events);
    const migrated = book.runs['run-old']!;
    assert.deepEqual(allHunks(migrated).map(({ hunk }) => [hunk.decision, hunk.reason]), allHunks(legacy).map(({ hunk }) => [hunk.decision, hunk.reason]));
    assert.equal(migrated.applied.length, 1, 'the accepted hunk can be rolled back');
    assert.equal(migrateLegacyReview(plainJson, checkpoint, book, currentProcess()).events.size, 0, 'a second migration adds nothing');
  });

  it('leaves out a memento it cannot read, and says so', () => {
    const { events, problems } = migrateLegacyReview({ runId: 3 }, 'nonsense', EMPTY_BOOK, currentProcess());
    assert.equal(events.size, 0);
    assert.equal(problems.length, 2);
  });
});
