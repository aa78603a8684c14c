import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePatchText, PatchParseError } from '../../../src/core/patch/parsePatch';
import { applyPatch } from '../../../src/core/patch/applyPatch';
import { STATS_PY } from './fixtures';

describe('patch parsing', () => {
  it('reads SEARCH/REPLACE blocks inside fences, with the path on its own line, several per file', () => {
    const text = [
      'Here is the change:',
      '',
      'stats.py',
      '```python',
      '<<<<<<< SEARCH',
      'import math',
      '=======',
      'import math',
      'import statistics',
      '>>>>>>> REPLACE',
      '```',
      '',
      '```python',
      '<<<<<<< SEARCH',
      '    total = sum(values)',
      '=======',
      '    total = math.fsum(values)',
      '>>>>>>> REPLACE',
      '```',
      '**src/util.ts**',
      '<<<<<<< SEARCH',
      '=======',
      'export const util = 1;',
      '>>>>>>> REPLACE',
    ].join('\n');
    const patch = parsePatchText(text);
    assert.deepEqual(patch.edits.map((e) => [e.kind, e.path, e.kind === 'searchReplace' ? e.blocks.length : 0]), [['searchReplace', 'stats.py', 2], ['searchReplace', 'src/util.ts', 1]]);
  });

  it('reads git diffs with and without a/ b/ prefixes, new files, deletions and renames', () => {
    const git = `diff --git a/src/a.ts b/src/a.ts\nindex 1..2 100644\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1,3 +1,3 @@\n line1\n-line2\n+line two\n line3\ndiff --git a/new.ts b/new.ts\nnew file mode 100644\n--- /dev/null\n+++ b/new.ts\n@@ -0,0 +1,2 @@\n+export const a = 1;\n+export const b = 2;\ndiff --git a/old.ts b/old.ts\ndeleted file mode 100644\n--- a/old.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\ndiff --git a/from.ts b/to.ts\nsimilarity index 100%\nrename from from.ts\nrename to to.ts\n`;
    const patch = parsePatchText(git);
    assert.deepEqual(patch.edits.map((e) => [e.kind, e.path]), [['unifiedDiff', 'src/a.ts'], ['create', 'new.ts'], ['delete', 'old.ts'], ['rename', 'from.ts']]);
    const created = patch.edits[1]!;
    assert.equal(created.kind === 'create' && created.content, 'export const a = 1;\nexport const b = 2;\n');
    const plain = parsePatchText(`--- stats.py\n+++ stats.py\n@@ -1 +1 @@\n-a\n+b\n`);
    assert.equal(plain.edits[0]!.path, 'stats.py');
  });

  it('reads a CodePatch as JSON and rejects JSON of the wrong shape with the field named', () => {
    const ok = parsePatchText(JSON.stringify({ summary: 's', edits: [{ kind: 'delete', path: 'x.ts' }] }));
    assert.equal(ok.edits[0]!.kind, 'delete');
    assert.throws(() => parsePatchText('{"summary": "s", "edits": [{"kind": "explode", "path": "x"}]}'), (err: Error) => err instanceof PatchParseError && /edits\.0/.test(err.message));
    assert.throws(() => parsePatchText('just some prose about the change'), PatchParseError);
    assert.throws(() => parsePatchText('a.ts\n<<<<<<< SEARCH\nx\n=======\ny\n'), /REPLACE end/);
  });

  it('refuses a patch that needs a folder where a file is, naming both, before writing anything', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-rollback-'));
    fs.writeFileSync(path.join(root, 'stats.py'), STATS_PY);
    fs.writeFileSync(path.join(root, 'blocker'), 'a file where the patch needs a directory\n');
    const report = await applyPatch(parsePatchText(`stats.py\n<<<<<<< SEARCH\nimport math\n=======\nimport math\nimport statistics\n>>>>>>> REPLACE\n\nblocker/inner.py\n<<<<<<< SEARCH\n=======\nx = 1\n>>>>>>> REPLACE\n`), { root });
    assert.equal(report.ok, false);
    assert.equal(report.written, false);
    assert.match(report.edits.find((e) => e.status === 'refused')!.reason!, /^blocker\/inner\.py cannot be written: blocker is a file, not a folder$/);
    assert.equal(fs.readFileSync(path.join(root, 'stats.py'), 'utf8'), STATS_PY);
    assert.deepEqual(fs.readdirSync(root).sort(), ['blocker', 'stats.py']);
  });
});
