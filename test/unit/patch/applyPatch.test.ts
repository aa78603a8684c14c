import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyPatch } from '../../../src/core/patch/applyPatch';
import { parsePatchText } from '../../../src/core/patch/parsePatch';
import type { CodePatch } from '../../../src/core/patch/codePatch';
import { STATS_PY, USERS_TS } from './fixtures';

function workspace(files: Record<string, string | Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-patch-'));
  for (const [p, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), content);
  }
  return root;
}
const read = (root: string, p: string) => fs.readFileSync(path.join(root, p), 'utf8');
const sr = (p: string, search: string, replace: string): CodePatch => ({ summary: 't', edits: [{ kind: 'searchReplace', path: p, blocks: [{ search, replace }] }] });

const PAGINATED_GET = `router.get('/users', requireAuth, async (req: Request, res: Response) => {
  const page = Math.max(1, Number(req.query.page ?? 1));
  const users = await db.query<User>('SELECT id, email, name, created_at FROM users ORDER BY id LIMIT 20 OFFSET $1', [(page - 1) * 20]);
  res.json({ users, page });
});`;
const ORIGINAL_GET = USERS_TS.split('\n').slice(13, 17).join('\n');
const EXPECTED_TS = USERS_TS.replace(ORIGINAL_GET, PAGINATED_GET);

describe('patch engine: tolerances', () => {
  it('applies an exact search/replace and reports the lines', async () => {
    const root = workspace({ 'src/users.ts': USERS_TS });
    const report = await applyPatch(sr('src/users.ts', ORIGINAL_GET, PAGINATED_GET), { root });
    assert.equal(report.ok, true);
    assert.equal(read(root, 'src/users.ts'), EXPECTED_TS);
    assert.deepEqual(report.edits[0]!.steps.map((s) => [s.strategy, s.startLine, s.endLine]), [['exact', 14, 17]]);
  });

  it('tolerates trailing whitespace differences and keeps the file’s own bytes on unchanged lines', async () => {
    const withSpaces = USERS_TS.replace("res.json({ users });", "res.json({ users });   ");
    const root = workspace({ 'src/users.ts': withSpaces });
    const search = ORIGINAL_GET.replace(/\n/g, '  \n'); // the model added trailing spaces, and lost the file's
    const replace = ORIGINAL_GET.replace("ORDER BY id'", "ORDER BY email'");
    const report = await applyPatch(sr('src/users.ts', search, replace), { root });
    assert.equal(report.ok, true);
    assert.equal(report.edits[0]!.steps[0]!.strategy, 'trailing-whitespace');
    assert.equal(read(root, 'src/users.ts'), withSpaces.replace("ORDER BY id'", "ORDER BY email'"));
  });

  it('re-indents the new text by the shift between the model’s old text and the file', async () => {
    const root = workspace({ 'src/users.ts': USERS_TS });
    const dedent = (s: string) => s.split('\n').map((l) => l.replace(/^  /, '')).join('\n');
    const search = dedent(`  if (!user) {\n    res.status(404).json({ error: 'not found' });\n    return;\n  }`);
    const replace = dedent(`  if (!user) {\n    res.status(404).json({ error: \`user \${id} not found\` });\n    return;\n  }`);
    const report = await applyPatch(sr('src/users.ts', search, replace), { root });
    assert.equal(report.ok, true, JSON.stringify(report.edits));
    assert.equal(report.edits[0]!.steps[0]!.strategy, 'reindent');
    assert.equal(read(root, 'src/users.ts'), USERS_TS.replace("{ error: 'not found' }", '{ error: `user ${id} not found` }'));
  });

  it('keeps the file’s bytes on a diff’s context lines even where an added line reads the same', async () => {
    // Found by bench/patch.bench.ts on express 4.19.2: the model put a trailing space on every
    // context line, and the blank line it added sat next to a blank context line.
    const root = workspace({ 'src/users.ts': USERS_TS });
    const head = "router.head('/users', requireAuth, (req: Request, res: Response) => res.end());";
    const diff = `--- a/src/users.ts\n+++ b/src/users.ts\n@@ -16,4 +16,6 @@\n   res.json({ users }); \n }); \n+\n+${head}\n  \n router.get('/users/:id', requireAuth, async (req: Request, res: Response) => { \n`;
    const report = await applyPatch(parsePatchText(diff), { root });
    assert.equal(report.ok, true, JSON.stringify(report.edits));
    assert.equal(report.edits[0]!.steps[0]!.strategy, 'trailing-whitespace');
    assert.equal(read(root, 'src/users.ts'), USERS_TS.replace('  res.json({ users });\n});\n', `  res.json({ users });\n});\n\n${head}\n`));
  });

  it('applies a change that only removes trailing whitespace, as a diff and as search/replace', async () => {
    const messy = USERS_TS.replace('  res.json({ users });\n', '  res.json({ users });   \n');
    const diffRoot = workspace({ 'src/users.ts': messy });
    const diff = `--- a/src/users.ts\n+++ b/src/users.ts\n@@ -15,3 +15,3 @@\n   const users = await db.query<User>('SELECT id, email, name, created_at FROM users ORDER BY id');\n-  res.json({ users });   \n+  res.json({ users });\n });\n`;
    assert.equal((await applyPatch(parsePatchText(diff), { root: diffRoot })).ok, true);
    assert.equal(read(diffRoot, 'src/users.ts'), USERS_TS);
    const srRoot = workspace({ 'src/users.ts': messy });
    assert.equal((await applyPatch(sr('src/users.ts', '  res.json({ users });   \n});\n', '  res.json({ users });\n});\n'), { root: srRoot })).ok, true);
    assert.equal(read(srRoot, 'src/users.ts'), USERS_TS);
  });

  it('patches a CRLF file with LF text and the file keeps CRLF', async () => {
    const crlf = STATS_PY.replace(/\n/g, '\r\n');
    const root = workspace({ 'stats.py': crlf });
    const report = await applyPatch(sr('stats.py', '    if not values:\n        raise ValueError("no values")\n', '    if not values:\n        raise ValueError("percentile of an empty list")\n'), { root });
    assert.equal(report.ok, true);
    assert.equal(read(root, 'stats.py'), crlf.replace('"no values"', '"percentile of an empty list"'));
  });

  it('applies a unified diff whose line numbers and counts are stale or missing', async () => {
    for (const header of ['@@ -3,4 +3,5 @@', '@@ -140,9 +140,2 @@', '@@ ... @@', '@@']) {
      const root = workspace({ 'src/users.ts': USERS_TS });
      const diff = `--- a/src/users.ts\n+++ b/src/users.ts\n${header}\n const router = Router();\n \n-router.get('/users', requireAuth, async (req: Request, res: Response) => {\n-  const users = await db.query<User>('SELECT id, email, name, created_at FROM users ORDER BY id');\n-  res.json({ users });\n-});\n+${PAGINATED_GET.split('\n').join('\n+')}\n \n router.get('/users/:id', requireAuth, async (req: Request, res: Response) => {\n`;
      const report = await applyPatch(parsePatchText(diff), { root });
      assert.equal(report.ok, true, `${header}: ${JSON.stringify(report.edits)}`);
      assert.equal(read(root, 'src/users.ts'), EXPECTED_TS, header);
    }
  });

  it('applies a diff to a file edited elsewhere since the model read it, dropping changed outer context', async () => {
    const edited = USERS_TS.replace("import { requireAuth } from '../auth';", "import { requireAuth } from '../auth';\nimport { logger } from '../log';").replace('const router = Router();', 'const router = Router({ mergeParams: true });');
    const root = workspace({ 'src/users.ts': edited });
    const diff = `--- a/src/users.ts\n+++ b/src/users.ts\n@@ -12,7 +12,8 @@\n const router = Router();\n \n router.get('/users', requireAuth, async (req: Request, res: Response) => {\n-  const users = await db.query<User>('SELECT id, email, name, created_at FROM users ORDER BY id');\n+  const page = Math.max(1, Number(req.query.page ?? 1));\n+  const users = await db.query<User>('SELECT id, email, name, created_at FROM users ORDER BY id LIMIT 20 OFFSET $1', [(page - 1) * 20]);\n   res.json({ users });\n });\n`;
    const report = await applyPatch(parsePatchText(diff), { root });
    assert.equal(report.ok, true, JSON.stringify(report.edits));
    assert.equal(report.edits[0]!.steps[0]!.strategy, 'fuzzy-context');
    const out = read(root, 'src/users.ts');
    assert.ok(out.includes('const router = Router({ mergeParams: true });'), 'the other edit survives');
    assert.ok(out.includes("const page = Math.max(1, Number(req.query.page ?? 1));\n  const users = await db.query<User>('SELECT id, email, name, created_at FROM users ORDER BY id LIMIT 20"));
    assert.equal(out.split('\n').length, edited.split('\n').length + 1);
  });

  it('applies a search/replace whose outer context line was edited since, keeping that edit', async () => {
    const edited = USERS_TS.replace('const router = Router();', 'const router = Router({ mergeParams: true });');
    const root = workspace({ 'src/users.ts': edited });
    const search = `const router = Router();\n\n${ORIGINAL_GET}\n`;
    const report = await applyPatch(sr('src/users.ts', search, `const router = Router();\n\n${PAGINATED_GET}\n`), { root });
    assert.equal(report.ok, true, JSON.stringify(report.edits));
    assert.equal(report.edits[0]!.steps[0]!.strategy, 'fuzzy-context');
    assert.equal(read(root, 'src/users.ts'), edited.replace(ORIGINAL_GET, PAGINATED_GET));
  });

  it('never drops a search/replace line that changes, even when fuzzy', async () => {
    const root = workspace({ 'src/users.ts': USERS_TS });
    const report = await applyPatch(sr('src/users.ts', `const router = Router({ strict: true });\n\n${ORIGINAL_GET}\n`, `const router = Router();\n\n${PAGINATED_GET}\n`), { root });
    assert.equal(report.ok, false);
    assert.equal(read(root, 'src/users.ts'), USERS_TS);
  });

  it('uses an exact line number only to choose between identical places', async () => {
    const root = workspace({ 'src/users.ts': USERS_TS });
    const hunk = (start: number) => `--- a/src/users.ts\n+++ b/src/users.ts\n@@ -${start},4 +${start},4 @@\n   if (!Number.isInteger(id) || id <= 0) {\n-    res.status(400).json({ error: 'invalid id' });\n+    res.status(400).json({ error: 'id must be a positive integer' });\n     return;\n   }\n`;
    const refused = await applyPatch(parsePatchText(hunk(25)), { root });
    assert.equal(refused.ok, false);
    assert.deepEqual(refused.edits[0]!.steps[0]!.candidates, [21, 35]);
    assert.equal(read(root, 'src/users.ts'), USERS_TS);
    const applied = await applyPatch(parsePatchText(hunk(35)), { root });
    assert.equal(applied.ok, true);
    const lines = read(root, 'src/users.ts').split('\n');
    assert.equal(lines[21], "    res.status(400).json({ error: 'invalid id' });");
    assert.equal(lines[35], "    res.status(400).json({ error: 'id must be a positive integer' });");
  });
});

describe('patch engine: refusals', () => {
  it('refuses an ambiguous search, naming the candidate lines, and changes nothing', async () => {
    const root = workspace({ 'src/users.ts': USERS_TS });
    const report = await applyPatch(sr('src/users.ts', "    res.status(400).json({ error: 'invalid id' });\n    return;\n", "    throw new HttpError(400, 'invalid id');\n"), { root });
    assert.equal(report.ok, false);
    assert.equal(report.written, false);
    assert.deepEqual(report.edits[0]!.steps[0]!.candidates, [22, 36]);
    assert.match(report.edits[0]!.reason!, /matches 2 places equally well \(lines 22, 36\)/);
    assert.equal(read(root, 'src/users.ts'), USERS_TS);
  });

  it('refuses a search that matches nowhere, naming the closest region and its similarity', async () => {
    const root = workspace({ 'stats.py': STATS_PY });
    const report = await applyPatch(sr('stats.py', 'def percentile(values: list[int], q: float) -> float:\n    if len(values) == 0:\n        raise ValueError("empty")\n', 'x\n'), { root });
    assert.equal(report.ok, false);
    const step = report.edits[0]!.steps[0]!;
    assert.equal(step.closest!.startLine, 16);
    assert.ok(step.closest!.similarity > 0.5 && step.closest!.similarity < 1, String(step.closest!.similarity));
    assert.match(report.edits[0]!.reason!, /closest region is lines 16-18/);
    assert.equal(read(root, 'stats.py'), STATS_PY);
  });

  it('changes no file when any edit of a multi-file patch fails', async () => {
    const root = workspace({ 'src/users.ts': USERS_TS, 'stats.py': STATS_PY, 'README.md': '# api\n' });
    const before = Object.fromEntries(['src/users.ts', 'stats.py', 'README.md'].map((p) => [p, read(root, p)]));
    const report = await applyPatch({
      summary: 't',
      edits: [
        { kind: 'searchReplace', path: 'src/users.ts', blocks: [{ search: ORIGINAL_GET, replace: PAGINATED_GET }] },
        { kind: 'create', path: 'src/pagination.ts', content: 'export const PAGE_SIZE = 20;\n' },
        { kind: 'searchReplace', path: 'stats.py', blocks: [{ search: 'def median(values):\n', replace: 'x\n' }] },
      ],
    }, { root });
    assert.equal(report.ok, false);
    assert.deepEqual(report.edits.map((e) => e.status), ['applied', 'applied', 'refused']);
    for (const [p, text] of Object.entries(before)) assert.equal(read(root, p), text, p);
    assert.equal(fs.existsSync(path.join(root, 'src/pagination.ts')), false);
  });

  it('refuses paths outside the workspace: .., absolute, and symlinks leading out', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'keep\n');
    const root = workspace({ 'a.txt': 'a\n' });
    fs.symlinkSync(outside, path.join(root, 'linkdir'));
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
    for (const p of ['../escape.txt', 'src/../../escape.txt', path.join(outside, 'secret.txt'), 'linkdir/secret.txt', 'linkdir/new.txt', 'link.txt']) {
      const report = await applyPatch({ summary: 't', edits: [{ kind: 'replaceFile', path: p, content: 'pwned\n' }] }, { root });
      assert.equal(report.ok, false, p);
      assert.match(report.edits[0]!.reason!, /outside the workspace|absolute/, p);
    }
    assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'keep\n');
    assert.deepEqual(fs.readdirSync(outside), ['secret.txt']);
  });

  it('refuses to patch a binary or non-UTF-8 file', async () => {
    const root = workspace({ 'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]), 'latin1.txt': Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]) });
    for (const p of ['logo.png', 'latin1.txt']) {
      const report = await applyPatch(sr(p, 'PNG', 'JPG'), { root });
      assert.equal(report.ok, false);
      assert.match(report.edits[0]!.reason!, /binary|UTF-8/);
    }
  });

  it('refuses to create over an existing file with other content, or delete a missing one', async () => {
    const root = workspace({ 'a.ts': 'export const a = 1;\n' });
    assert.equal((await applyPatch({ summary: 't', edits: [{ kind: 'create', path: 'a.ts', content: 'other\n' }] }, { root })).ok, false);
    assert.equal((await applyPatch({ summary: 't', edits: [{ kind: 'delete', path: 'b.ts' }] }, { root })).ok, false);
    assert.equal(read(root, 'a.ts'), 'export const a = 1;\n');
  });
});

describe('patch engine: what the file keeps', () => {
  it('keeps a BOM, a missing final newline and the file mode', async () => {
    const root = workspace({ 'bom.ts': '\uFEFFexport const x = 1;\nexport const y = 2;', 'run.sh': '#!/bin/sh\necho hi\n' });
    fs.chmodSync(path.join(root, 'run.sh'), 0o755);
    const report = await applyPatch({
      summary: 't',
      edits: [
        { kind: 'searchReplace', path: 'bom.ts', blocks: [{ search: 'export const y = 2;\n', replace: 'export const y = 3;\n' }] },
        { kind: 'searchReplace', path: 'run.sh', blocks: [{ search: 'echo hi\n', replace: 'echo hello\n' }] },
      ],
    }, { root });
    assert.equal(report.ok, true);
    assert.equal(read(root, 'bom.ts'), '\uFEFFexport const x = 1;\nexport const y = 3;');
    assert.equal(fs.statSync(path.join(root, 'run.sh')).mode & 0o777, 0o755);
  });

  it('creates, deletes and renames, and a dry run touches nothing but reports the result', async () => {
    const root = workspace({ 'old.ts': 'export const v = 1;\n', 'gone.ts': 'x\n' });
    const patch: CodePatch = {
      summary: 't',
      edits: [
        { kind: 'create', path: 'lib/new.ts', content: 'export const n = 2;\n' },
        { kind: 'delete', path: 'gone.ts' },
        { kind: 'rename', path: 'old.ts', to: 'lib/renamed.ts' },
        { kind: 'searchReplace', path: 'lib/renamed.ts', blocks: [{ search: 'export const v = 1;', replace: 'export const v = 10;' }] },
      ],
    };
    const dry = await applyPatch(patch, { root, dryRun: true });
    assert.equal(dry.ok, true);
    assert.equal(dry.written, false);
    assert.deepEqual(dry.files.map((f) => [f.path, f.action]).sort(), [['gone.ts', 'delete'], ['lib/new.ts', 'create'], ['lib/renamed.ts', 'rename']]);
    assert.deepEqual(fs.readdirSync(root).sort(), ['gone.ts', 'old.ts']);
    const real = await applyPatch(patch, { root });
    assert.equal(real.written, true);
    assert.equal(read(root, 'lib/renamed.ts'), 'export const v = 10;\n');
    assert.equal(read(root, 'lib/new.ts'), 'export const n = 2;\n');
    assert.deepEqual(fs.readdirSync(root).sort(), ['lib']);
  });
});
