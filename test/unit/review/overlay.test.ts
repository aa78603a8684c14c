import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { splitHunks } from '../../../src/app/review/hunks';
import { applyTextEdits } from '../../../src/app/review/textEdits';
import { inlineView } from '../../../src/core/review/inlineView';
import { overlayTrack, takeOut, trackChanges, type TextChange } from '../../../src/core/review/overlay';

const hunksOf = (before: string[], after: string[]) => splitHunks('p', before, after).map((h) => ({ id: h.id, line: h.oldStart, removed: h.oldLines.length, newLines: h.newLines }));
const text = (lines: readonly string[], finalNewline: boolean) => lines.join('\n') + (finalNewline && lines.length ? '\n' : '');
/** The document's lines as the editor counts them (a final line break leaves an empty last line). */
const docLines = (t: string) => t.split('\n');

function overlaid(before: string[], after: string[], finalNewline = true) {
  const view = inlineView(before, hunksOf(before, after));
  return { view, doc: text(view.lines, finalNewline), track: overlayTrack(view) };
}

function takenOut(doc: string, track: ReturnType<typeof overlayTrack>): { text: string; touched: readonly string[] } {
  const out = takeOut(track, docLines(doc));
  return { text: applyTextEdits(doc, out.edits), touched: out.touched };
}

describe('the proposed lines laid over the file\'s buffer', () => {
  it('taken out untouched, gives the file back, whether or not it ends with a line break', () => {
    for (const finalNewline of [true, false]) {
      const before = ['a', 'b', 'c'];
      const { doc, track } = overlaid(before, ['a', 'B', 'c', 'd', 'e'], finalNewline);
      assert.equal(doc, text(['a', 'b', 'B', 'c', 'd', 'e'], finalNewline));
      assert.deepEqual(takenOut(doc, track), { text: text(before, finalNewline), touched: [] });
    }
  });

  it('follows the proposed lines through an edit above them and keeps the user\'s edit', () => {
    const { doc, track } = overlaid(['a', 'b', 'c'], ['a', 'b', 'B2', 'c']);
    // Enter at the end of the first line, then a word on the new line
    const changes: TextChange[] = [
      { startLine: 0, startChar: 1, endLine: 0, endChar: 1, text: '\n' },
      { startLine: 1, startChar: 0, endLine: 1, endChar: 0, text: 'new' },
    ];
    const edited = changes.reduce((t, c) => applyTextEdits(t, [c]), doc);
    assert.equal(edited, 'a\nnew\nb\nB2\nc\n');
    assert.deepEqual(takenOut(edited, trackChanges(track, changes)), { text: 'a\nnew\nb\nc\n', touched: [] });
  });

  it('leaves a proposed line the user changed, and says which hunk it was', () => {
    const { view, doc, track } = overlaid(['a', 'b', 'c'], ['A', 'b', 'c', 'd']);
    const [first, second] = view.blocks;
    // typing into the first proposed line ('A', line 1 of the buffer)
    const change: TextChange = { startLine: 1, startChar: 1, endLine: 1, endChar: 1, text: '!' };
    const out = takenOut(applyTextEdits(doc, [change]), trackChanges(track, [change]));
    assert.deepEqual(out.touched, [first!.id]);
    assert.equal(out.text, 'a\nA!\nb\nc\n');
    assert.ok(second);
  });

  it('treats lines typed right before or right after a block as the user\'s, not the proposal\'s', () => {
    const { doc, track } = overlaid(['a', 'b'], ['a', 'X', 'Y', 'b']);
    // buffer: a, X, Y, b: lines pasted at the start of X's line, and Enter + text at the end of Y
    const changes: TextChange[] = [
      { startLine: 1, startChar: 0, endLine: 1, endChar: 0, text: 'p1\np2\n' },
      { startLine: 4, startChar: 1, endLine: 4, endChar: 1, text: '\nq' },
    ];
    const edited = changes.reduce((t, c) => applyTextEdits(t, [c]), doc);
    assert.equal(edited, 'a\np1\np2\nX\nY\nq\nb\n');
    assert.deepEqual(takenOut(edited, trackChanges(track, changes)), { text: 'a\np1\np2\nq\nb\n', touched: [] });
  });

  it('joining the last proposed line with the next one touches it', () => {
    const { doc, track } = overlaid(['a', 'b'], ['a', 'X', 'b']);
    const change: TextChange = { startLine: 1, startChar: 1, endLine: 2, endChar: 0, text: '' };
    const out = takenOut(applyTextEdits(doc, [change]), trackChanges(track, [change]));
    assert.equal(out.touched.length, 1);
    assert.equal(out.text, 'a\nXb\n');
  });

  it('never removes lines that only look like the proposal but are not where it was put', () => {
    const { doc, track } = overlaid(['a', 'b'], ['a', 'X', 'b']);
    // the tracker was not told of a change that moved everything down: nothing matches, nothing is removed
    const moved = 'z\n' + doc;
    const out = takeOut(track, docLines(moved));
    assert.deepEqual(out.edits, []);
    assert.equal(out.touched.length, 1);
  });

  it('for any edits outside the proposed lines, taking the overlay out gives the file with those edits applied', () => {
    const line = fc.constantFrom('a', 'b', 'c', '', 'dd ee');
    const op = fc.record({ kind: fc.constantFrom('inLine', 'span', 'linesBefore', 'linesAfterEnd'), at: fc.nat(), to: fc.nat(), a: fc.nat(), b: fc.nat(), text: fc.constantFrom('', 'x', 'y z', '\n', 'n1\nn2', '\nq\n', 'r\n') });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 14 }), fc.array(line, { maxLength: 14 }), fc.boolean(), fc.array(op, { maxLength: 8 }), (before, after, finalNewline, ops) => {
        const { view, doc, track } = overlaid(before, after, finalNewline);
        const proposedAt = new Set(view.blocks.flatMap((b) => Array.from({ length: b.added }, (_, i) => b.start + b.removed + i)));
        // the model: each line of the buffer, with whether it is a proposed one
        let model = docLines(doc).map((t, i) => ({ t, proposed: proposedAt.has(i) }));
        let buffer = doc;
        const changes: TextChange[] = [];
        for (const o of ops) {
          const own = model.map((l, i) => (l.proposed ? -1 : i)).filter((i) => i >= 0);
          let change: TextChange | undefined;
          let replaced: { from: number; to: number; lines: Array<{ t: string; proposed: boolean }> } | undefined;
          if ((o.kind === 'inLine' || o.kind === 'span') && own.length) {
            const i = own[o.at % own.length]!;
            // a span reaches down over the user's own lines only
            let j = i;
            if (o.kind === 'span') for (let k = i + 1; k <= i + (o.to % 3) && k < model.length && !model[k]!.proposed; k++) j = k;
            const sc = o.a % (model[i]!.t.length + 1);
            const ec = j === i ? sc + (o.b % (model[i]!.t.length - sc + 1)) : o.b % (model[j]!.t.length + 1);
            change = { startLine: i, startChar: sc, endLine: j, endChar: ec, text: o.text };
            const joined = model[i]!.t.slice(0, sc) + o.text + model[j]!.t.slice(ec);
            replaced = { from: i, to: j + 1, lines: joined.split('\n').map((t) => ({ t, proposed: false })) };
          } else if (o.kind === 'linesBefore') {
            // whole lines pasted at the start of any line but one inside a block (a block's first line too)
            const k = o.at % model.length;
            if (k > 0 && model[k]!.proposed && model[k - 1]!.proposed) continue;
            const lines = ['p', ...o.text.split('\n').filter(Boolean)];
            change = { startLine: k, startChar: 0, endLine: k, endChar: 0, text: lines.map((l) => `${l}\n`).join('') };
            replaced = { from: k, to: k, lines: lines.map((t) => ({ t, proposed: false })) };
          } else if (o.kind === 'linesAfterEnd') {
            // Enter and text at the end of any line but one inside a block (a block's last line too)
            const k = o.at % model.length;
            if (model[k]!.proposed && model[k + 1]?.proposed) continue;
            const len = model[k]!.t.length;
            change = { startLine: k, startChar: len, endLine: k, endChar: len, text: `\nq${o.a % 3}` };
            replaced = { from: k + 1, to: k + 1, lines: [{ t: `q${o.a % 3}`, proposed: false }] };
          }
          if (!change || !replaced) continue;
          buffer = applyTextEdits(buffer, [change]);
          model = [...model.slice(0, replaced.from), ...replaced.lines, ...model.slice(replaced.to)];
          changes.push(change);
          assert.equal(buffer, model.map((l) => l.t).join('\n'));
        }
        const out = takenOut(buffer, trackChanges(track, changes));
        assert.deepEqual(out.touched, []);
        assert.equal(out.text, model.filter((l) => !l.proposed).map((l) => l.t).join('\n'));
      }),
      { seed: 17, numRuns: 1000 },
    );
  });
});
