import { strict as assert } from 'node:assert';
import { diffLines } from '../../../src/app/review/lineDiff';
import { applyReplacements, locate, planHunks, replacementsBetween, splitHunks } from '../../../src/app/review/hunks';
import { applyTextEdits, textEditsTo } from '../../../src/app/review/textEdits';
import { parseText } from '../../../src/core/patch/fileText';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

function mutate(lines: readonly string[], random: () => number): string[] {
  const out = [...lines];
  const edits = 1 + Math.floor(random() * 5);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (out.length + 1));
    const r = random();
    if (r < 0.33) out.splice(at, 0, `new ${i} ${Math.floor(random() * 1000)}`);
    else if (r < 0.66) out.splice(at, 1 + Math.floor(random() * 3));
    else out.splice(at, 1, `changed ${i}`);
  }
  return out;
}

const base = Array.from({ length: 40 }, (_, i) => `line ${i % 7 === 0 ? 'dup' : i}`);

describe('editor: line diff and hunks', () => {
  it('diffLines turns one text into the other', () => {
    const random = rng(7);
    for (let i = 0; i < 200; i++) {
      const a = mutate(base, random);
      const b = mutate(a, random);
      const changes = diffLines(a, b);
      const rebuilt = applyReplacements(a, changes.map((c) => ({ start: c.oldStart, end: c.oldEnd, lines: b.slice(c.newStart, c.newEnd) })));
      assert.deepEqual(rebuilt, b);
    }
  });

  it('finds the minimal change for a one-line edit', () => {
    assert.deepEqual(diffLines(['a', 'b', 'c'], ['a', 'x', 'c']), [{ oldStart: 1, oldEnd: 2, newStart: 1, newEnd: 2 }]);
    assert.deepEqual(diffLines(['a'], ['a']), []);
    assert.deepEqual(diffLines([], ['a']), [{ oldStart: 0, oldEnd: 0, newStart: 0, newEnd: 1 }]);
  });

  it('applying every hunk of a change gives the proposed text; any subset applies alone', () => {
    const random = rng(11);
    for (let i = 0; i < 200; i++) {
      const after = mutate(base, random);
      const hunks = splitHunks('p/f', base, after);
      const all = planHunks(base, hunks);
      assert.equal(all.conflicts.length, 0);
      assert.deepEqual(applyReplacements(base, all.replacements), after);
      const subset = hunks.filter(() => random() < 0.5);
      const some = planHunks(base, subset);
      assert.equal(some.conflicts.length, 0);
      // the rest still apply on top, in any order of acceptance
      const partial = applyReplacements(base, some.replacements);
      const rest = planHunks(partial, hunks.filter((h) => !subset.includes(h)));
      assert.deepEqual(applyReplacements(partial, rest.replacements), after, `seed round ${i}`);
    }
  });

  it('hunk ids are stable for the same change and distinct within a file', () => {
    const after = ['x', ...base.slice(1, 20), 'x', ...base.slice(21)];
    const one = splitHunks('p1/a.ts', base, after);
    const two = splitHunks('p1/a.ts', base, after);
    assert.deepEqual(one.map((h) => h.id), two.map((h) => h.id));
    assert.equal(new Set(one.map((h) => h.id)).size, one.length);
  });

  it('locates a hunk after the lines above it moved, and not at all once its lines changed', () => {
    const after = [...base.slice(0, 10), 'inserted', ...base.slice(10)];
    const [hunk] = splitHunks('p/f', base, after);
    const shifted = ['top 1', 'top 2', ...base];
    assert.equal(locate(shifted, hunk!, hunk!.oldStart), 12);
    const edited = [...base];
    edited[9] = 'user';
    edited[10] = 'user';
    assert.equal(locate(edited, hunk!, hunk!.oldStart), undefined);
  });

  it('turns target lines into text edits, with and without a final newline, LF and CRLF', () => {
    const random = rng(3);
    for (const eol of ['\n', '\r\n'] as const)
      for (const finalNewline of [true, false])
        for (let i = 0; i < 50; i++) {
          const before = mutate(base, random);
          const target = mutate(before, random);
          const text = before.join(eol) + (finalNewline && before.length ? eol : '');
          const doc = parseText(text);
          const out = applyTextEdits(text, textEditsTo({ lines: doc.lines, eol, finalNewline: doc.finalNewline }, target));
          assert.deepEqual(parseText(out).lines, target);
        }
  });

  it('replacementsBetween touches only the lines that differ', () => {
    const a = ['1', '2', '3', '4'];
    assert.deepEqual(replacementsBetween(a, ['1', 'two', '3', '4']), [{ start: 1, end: 2, lines: ['two'] }]);
  });
});
