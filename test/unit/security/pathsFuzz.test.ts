// Property-based fuzzing (fast-check) of the patch parser and planner with hostile input: patch text
// built from the formats' own tokens, and patches whose paths are the tricks of the hostile suite.
// Properties: nothing but the engine's own typed errors escapes; every input finishes within a hang
// ceiling; the heap stays bounded; no planned write leaves the allowed paths.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { applyPatch } from '../../../src/core/patch/applyPatch';
import { CodePatchSchema, type CodePatch, type FileEdit } from '../../../src/core/patch/codePatch';
import { parseText, type FileText } from '../../../src/core/patch/fileText';
import { locate } from '../../../src/core/patch/locate';
import { parsePatchText, PatchParseError } from '../../../src/core/patch/parsePatch';
import { checkRelative, protectedByName } from '../../../src/core/patch/pathRules';
import { planPatch } from '../../../src/core/patch/planPatch';
import { git } from './hostileCases';

/** Generous: a hang detector, not a timing (an input normally takes well under a millisecond). */
const HANG_CEILING_MS = 5_000;
const HEAP_CEILING_BYTES = 512 * 1024 * 1024;
const FUZZ_RUNS = { parse: 10_000, plan: 10_000, locate: 10_000, applyDryRun: 1_000 } as const;

const TOKENS = [
  '<<<<<<< SEARCH\n', '=======\n', '>>>>>>> REPLACE\n', '```\n', '```ts\n', '--- a/', '+++ b/', '--- /dev/null\n', '+++ /dev/null\n', 'diff --git a/x b/x\n',
  '@@ -1,3 +1,4 @@\n', '@@ -0,0 +1 @@\n', '@@ @@\n', '@@ -999999999999,1 +1 @@\n', ' context\n', '-old\n', '+new\n', '\\ No newline at end of file\n', '\n', '\r\n',
  'src/app.ts\n', '.git/config\n', '.GIT/hooks/pre-commit\n', '../escape.txt\n', '/etc/passwd\n', 'C:\\\\x\n', 'a\u0000b\n', '.codecompanion/journal-1.log\n', '# heading\n', '**file.ts**\n',
  '{"summary":"s","edits":[{"kind":"create","path":".git/x","content":"c"}]}', '{', '}', '"', 'x'.repeat(300), '\t',
];

const patchText = fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 })), { maxLength: 60 }).map((parts) => parts.join(''));

const NAMES = ['src', 'a.ts', 'b.ts', 'lib', '.git', '.GIT', '.Git', '.git.', 'GIT~1', '.g\u200cit', '.codecompanion', '.CodeCompanion', '..', '.', '', 'x\u0000y', 'C:', 'config', 'hooks', '\\', 'dir\\.git'];
const hostilePath = fc.oneof(
  fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 5 }).map((parts) => parts.join('/')),
  fc.constantFrom('/etc/passwd', '\\\\server\\share', 'C:\\Windows\\x', './a.ts', 'a.ts/', 'src//b.ts'),
  fc.string({ minLength: 1, maxLength: 30 }),
);
const lineText = fc.constantFrom('a', 'b', 'c', '  a', 'a ', '', 'x\ty', 'function f() {', '}');
const block = fc.array(lineText, { maxLength: 8 }).map((l) => l.join('\n') + (l.length ? '\n' : ''));
const edit: fc.Arbitrary<FileEdit> = fc.oneof(
  fc.record({ kind: fc.constant('searchReplace' as const), path: hostilePath, blocks: fc.array(fc.record({ search: block, replace: block }), { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('unifiedDiff' as const), path: hostilePath, hunks: fc.array(fc.record({ lines: fc.array(fc.tuple(fc.constantFrom(' ', '-', '+', '\\', ''), lineText).map(([t, l]) => t + l), { maxLength: 10 }), oldStart: fc.option(fc.nat(200), { nil: undefined }) }, { requiredKeys: ['lines'] }), { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('replaceFile' as const), path: hostilePath, content: block }),
  fc.record({ kind: fc.constant('create' as const), path: hostilePath, content: block }),
  fc.record({ kind: fc.constant('delete' as const), path: hostilePath }),
  fc.record({ kind: fc.constant('rename' as const), path: hostilePath, to: hostilePath }),
);
const codePatch: fc.Arbitrary<CodePatch> = fc.record({ summary: fc.string({ maxLength: 20 }), edits: fc.array(edit, { minLength: 1, maxLength: 5 }) });
const fileLines = fc.array(lineText, { maxLength: 40 });

function timed<T>(fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  const ms = performance.now() - t0;
  assert.ok(ms < HANG_CEILING_MS, `one input took ${Math.round(ms)} ms`);
  return out;
}

function allowedWrite(p: string): boolean {
  try {
    checkRelative(p);
  } catch {
    return false;
  }
  return protectedByName(p) === undefined;
}

describe('fuzzing the patch parser and planner (fast-check)', function () {
  this.timeout(180_000);
  let heapBefore = 0;
  before(() => (heapBefore = process.memoryUsage().heapUsed));
  after(() => assert.ok(process.memoryUsage().heapUsed - heapBefore < HEAP_CEILING_BYTES, 'the heap grew without bound'));

  it(`parsePatchText: ${FUZZ_RUNS.parse.toLocaleString('en')} inputs, each a valid CodePatch or a PatchParseError`, () => {
    fc.assert(
      fc.property(patchText, (text) => {
        try {
          const patch = timed(() => parsePatchText(text));
          assert.ok(CodePatchSchema.safeParse(patch).success, 'the parser returned something that is not a CodePatch');
        } catch (err) {
          if (!(err instanceof PatchParseError)) throw err;
        }
      }),
      { numRuns: FUZZ_RUNS.parse },
    );
  });

  it(`planPatch: ${FUZZ_RUNS.plan.toLocaleString('en')} hostile patches on in-memory files never crash and never plan a write outside the allowed paths`, () => {
    fc.assert(
      fc.property(codePatch, fc.dictionary(fc.constantFrom('a.ts', 'b.ts', 'src/a.ts', 'lib/b.ts', '.git/config', 'config'), fileLines), (patch, files) => {
        const read = (p: string): FileText | undefined => (Object.hasOwn(files, p) ? parseText(files[p]!.join('\n') + '\n') : undefined);
        const named = new Set(patch.edits.flatMap((e) => (e.kind === 'rename' ? [e.path, e.to] : [e.path])));
        const plan = timed(() => planPatch(patch, read));
        for (const f of plan.files) {
          assert.ok(named.has(f.path), `planned ${f.path}, which the patch does not name`);
          assert.ok(allowedWrite(f.path), `planned a write to ${JSON.stringify(f.path)}`);
          if (f.from !== undefined) assert.ok(allowedWrite(f.from), `planned a rename out of ${JSON.stringify(f.from)}`);
        }
        for (const e of plan.edits) if (e.status === 'applied') assert.ok(allowedWrite(e.path) && (e.kind !== 'rename' || allowedWrite((patch.edits[e.index] as { to: string }).to)), `applied an edit to ${JSON.stringify(e.path)}`);
        assert.equal(plan.ok, plan.edits.every((e) => e.status === 'applied'));
      }),
      { numRuns: FUZZ_RUNS.plan },
    );
  });

  it(`locate: ${FUZZ_RUNS.locate.toLocaleString('en')} file/search pairs give a match inside the file, an ambiguity or not-found`, () => {
    fc.assert(
      fc.property(fileLines, fc.array(lineText, { maxLength: 10 }), fc.option(fc.integer({ min: -5, max: 60 }), { nil: undefined }), fc.record({ head: fc.nat(4), tail: fc.nat(4) }), (file, search, hint, context) => {
        const found = timed(() => locate(file, search, { ...(hint !== undefined ? { hint } : {}), context }));
        if (found.kind === 'match') {
          assert.ok(found.start >= 0 && found.start + found.length <= file.length, `match ${found.start}+${found.length} outside a ${file.length}-line file`);
          assert.ok(found.trimmedHead + found.trimmedTail <= search.length);
        } else assert.ok(found.kind === 'ambiguous' || found.kind === 'not-found');
      }),
      { numRuns: FUZZ_RUNS.locate },
    );
  });

  it(`applyPatch --dry-run: ${FUZZ_RUNS.applyDryRun.toLocaleString('en')} hostile patches on a real repository with links plan nothing inside .git, .codecompanion, core.hooksPath or outside`, async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-fuzz-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src/a.ts'), 'a\nb\nc\n');
    fs.writeFileSync(path.join(root, 'a.ts'), 'a\n');
    git(root, 'init', '-q');
    git(root, 'config', 'core.hooksPath', 'hooks');
    fs.mkdirSync(path.join(root, 'hooks'));
    fs.mkdirSync(path.join(root, '.codecompanion'));
    fs.symlinkSync('.git', path.join(root, 'lib'));
    fs.symlinkSync('.', path.join(root, 'config'));
    fs.symlinkSync('..', path.join(root, 'b.ts'));
    const real = fs.realpathSync(root);
    const forbidden = ['.git', '.codecompanion', 'hooks'].map((d) => path.join(real, d));
    await fc.assert(
      fc.asyncProperty(codePatch, async (patch) => {
        const report = await applyPatch(patch, { root, dryRun: true });
        for (const f of report.files)
          for (const p of [f.path, ...(f.from !== undefined ? [f.from] : [])]) {
            const at = resolveReal(real, p);
            assert.ok(at.startsWith(real + path.sep), `planned a write outside the workspace: ${JSON.stringify(p)} -> ${at}`);
            assert.ok(!forbidden.some((d) => at === d || at.startsWith(d + path.sep)), `planned a write into a protected folder: ${JSON.stringify(p)} -> ${at}`);
          }
      }),
      { numRuns: FUZZ_RUNS.applyDryRun },
    );
  });
});

/**
 * Where a path lands on this (POSIX) system, through every link that exists on the way; a backslash is part
 * of a name here. The engine writes to path.join(root, p), which folds `..` before the file system sees it
 * ('b.ts/../src' is root/src even when b.ts is a link out), so the oracle folds first too.
 */
function resolveReal(root: string, relative: string): string {
  let at = root;
  for (const part of path.posix.normalize(relative).split('/')) {
    at = path.resolve(at, part);
    try {
      at = fs.realpathSync(at);
    } catch {
      // below here nothing exists yet
    }
  }
  return at;
}
