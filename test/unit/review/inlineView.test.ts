import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { splitHunks } from '../../../src/app/review/hunks';
import { blockAt, inlineView, proposedBlocks } from '../../../src/core/review/inlineView';

const hunksOf = (before: string[], after: string[]) => splitHunks('p', before, after).map((h) => ({ id: h.id, line: h.oldStart, removed: h.oldLines.length, newLines: h.newLines }));

describe('the inline review layout', () => {
  it('puts each hunk\'s proposed lines right under the lines they replace, and an insertion where it goes', () => {
    const before = ['a', 'b', 'c', 'd'];
    const after = ['a', 'B1', 'B2', 'c', 'd', 'e'];
    const view = inlineView(before, hunksOf(before, after));
    assert.deepEqual(view.lines, ['a', 'b', 'B1', 'B2', 'c', 'd', 'e']);
    assert.deepEqual(view.blocks.map((b) => ({ start: b.start, removed: b.removed, added: b.added })), [
      { start: 1, removed: 1, added: 2 },
      { start: 6, removed: 0, added: 1 },
    ]);
  });

  it('shows every line of the file and of every proposal: dropping the proposed lines gives the file, dropping the removed ones the proposal', () => {
    const line = fc.constantFrom('x', 'y', 'z', '', 'w w');
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.array(line, { maxLength: 30 }), (before, after) => {
        const view = inlineView(before, hunksOf(before, after));
        const added = new Set(view.blocks.flatMap((b) => Array.from({ length: b.added }, (_, i) => b.start + b.removed + i)));
        const removed = new Set(view.blocks.flatMap((b) => Array.from({ length: b.removed }, (_, i) => b.start + i)));
        assert.deepEqual(view.lines.filter((_, i) => !added.has(i)), before);
        assert.deepEqual(view.lines.filter((_, i) => !removed.has(i)), after);
      }),
      { seed: 17, numRuns: 500 },
    );
  });

  it('leaves out a hunk overlapping an earlier one (two runs on the same lines) rather than mixing them', () => {
    const view = inlineView(['a', 'b', 'c'], [
      { id: 'one', line: 0, removed: 2, newLines: ['A'] },
      { id: 'two', line: 1, removed: 1, newLines: ['B'] },
    ]);
    assert.deepEqual(view.lines, ['a', 'b', 'A', 'c']);
    assert.deepEqual(view.blocks.map((b) => b.id), ['one']);
  });

  it('finds the hunk at a line of the view: inside one, else the next below, else the last', () => {
    const blocks = [
      { id: 'one', start: 2, removed: 1, added: 2 },
      { id: 'two', start: 9, removed: 0, added: 1 },
    ];
    assert.equal(blockAt(blocks, 4)?.id, 'one');
    assert.equal(blockAt(blocks, 5)?.id, 'two');
    assert.equal(blockAt(blocks, 0)?.id, 'one');
    assert.equal(blockAt(blocks, 40)?.id, 'two');
  });

  it('places the hunks on the proposed side, shifted by what the hunks above add and remove', () => {
    const before = ['a', 'b', 'c', 'd', 'e'];
    const after = ['a', 'B1', 'B2', 'B3', 'c', 'e'];
    const blocks = proposedBlocks(hunksOf(before, after));
    for (const b of blocks) assert.ok(b.added === 0 || after.slice(b.start, b.start + b.added).every((l) => l.startsWith('B')), JSON.stringify(blocks));
    assert.deepEqual(blocks.map((b) => [b.start, b.added]), [[1, 3], [5, 0]]);
  });
});
