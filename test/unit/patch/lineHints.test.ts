import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyPatch } from '../../../src/core/patch/applyPatch';
import { parsePatchText } from '../../../src/core/patch/parsePatch';
import { locate } from '../../../src/core/patch/locate';

// The same four-line block at lines 12, 54 and 1142 of a long file, every other line unique.
const BLOCK = ['  if (!user) {', "    res.status(404).json({ error: 'not found' });", '    return;', '  }'];
const AT = [12, 54, 1142];
function duplicated(): string[] {
  const lines: string[] = [];
  for (let n = 1; lines.length < 1200; n++) {
    const copy = AT.indexOf(lines.length + 1);
    if (copy >= 0) lines.push(...BLOCK);
    else lines.push(`const line${n} = ${n};`);
  }
  return lines;
}

function hunkAt(hintLine: number): string {
  return [
    '--- a/src/app.ts',
    '+++ b/src/app.ts',
    `@@ -${hintLine},4 +${hintLine},4 @@`,
    ...BLOCK.slice(0, 1).map((l) => ` ${l}`),
    `-${BLOCK[1]}`,
    "+    res.status(404).json({ error: 'user not found' });",
    ...BLOCK.slice(2).map((l) => ` ${l}`),
    '',
  ].join('\n');
}

function workspaceWith(text: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-hint-'));
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(root, 'src/app.ts'), text);
  return root;
}

describe('patch engine: line-number hints between duplicated blocks', () => {
  it('applies a hunk whose content matches 3 places at the one its line number is close to (line 14 → 12), as git apply does', async () => {
    const original = duplicated();
    const root = workspaceWith(original.join('\n') + '\n');
    const report = await applyPatch(parsePatchText(hunkAt(14)), { root });
    assert.equal(report.ok, true, report.edits[0]?.reason);
    assert.deepEqual(report.edits[0]!.steps.map((s) => [s.startLine, s.endLine]), [[12, 15]]);
    const after = fs.readFileSync(path.join(root, 'src/app.ts'), 'utf8').split('\n');
    const changed = after.flatMap((l, i) => (l !== original[i] ? [i + 1] : []));
    assert.deepEqual(changed.filter((n) => n <= original.length), [13]);
    assert.equal(after[12], "    res.status(404).json({ error: 'user not found' });");
  });

  it('refuses when the line number is midway between two copies, naming them, and changes nothing', async () => {
    const text = duplicated().join('\n') + '\n';
    const root = workspaceWith(text);
    const report = await applyPatch(parsePatchText(hunkAt(33)), { root });
    assert.equal(report.ok, false);
    assert.deepEqual(report.edits[0]!.steps[0]!.candidates, AT);
    assert.match(report.edits[0]!.reason!, /matches 3 places equally well \(lines 12, 54, 1142\), and its line number 33 is not close to exactly one/);
    assert.equal(fs.readFileSync(path.join(root, 'src/app.ts'), 'utf8'), text);
  });

  it('decides by distance only when the hint separates the candidates', () => {
    const file = duplicated();
    const at = (hint: number | undefined) => {
      const r = locate(file, BLOCK, hint === undefined ? {} : { hint });
      return r.kind === 'match' ? r.start + 1 : r.kind;
    };
    assert.equal(at(undefined), 'ambiguous');
    assert.equal(at(53), 54, 'exact hint (0-based 53 = line 54)');
    assert.equal(at(1139), 1142, 'three lines off, the others far away');
    assert.equal(at(32), 'ambiguous', 'equidistant from 12 and 54');
    assert.equal(at(27), 'ambiguous', 'nearer 12 but not twice as near as 54');
    assert.equal(at(600), 'ambiguous', 'far from every copy');
  });

  it('refuses a hint equidistant from two nearby copies', () => {
    const file = ['a', 'b', 'x', 'y', 'c', 'd', 'e', 'x', 'y', 'f'];
    assert.equal(locate(file, ['x', 'y'], { hint: 5 }).kind, 'ambiguous');
    assert.deepEqual(locate(file, ['x', 'y'], { hint: 2 }), { kind: 'match', strategy: 'exact', start: 2, length: 2, trimmedHead: 0, trimmedTail: 0, indent: undefined });
  });
});
