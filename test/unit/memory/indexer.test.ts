import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { indexWorkspace, type IndexProgress } from '../../../src/core/memory/indexer';
import { isIgnored, parseGitignore } from '../../../src/core/memory/gitignore';
import { ConceptEmbedder, openMemory, tempWorkspace, writeFiles } from './helpers';

const FILES = {
  'src/cars.ts': '/** Parks the car. */\nexport function park(car: string): string {\n  return `parked ${car}`;\n}\n',
  'src/billing.py': 'def send_invoice(customer):\n    """Bills the customer."""\n    return customer.charge()\n',
  'src/auth.go': 'package auth\n\n// Login checks the password.\nfunc Login(user, password string) bool {\n\treturn password != ""\n}\n',
  'README.md': '# Demo\n\nA small workspace for the memory tests.\n',
};

describe('memory indexer', () => {
  it('indexes a workspace, then re-indexes only what changed: unchanged skipped, edited re-chunked, deleted removed', async () => {
    const root = tempWorkspace(FILES);
    const { db, store } = await openMemory(root);
    try {
      const first = await indexWorkspace(root, store);
      assert.deepEqual([first.added, first.changed, first.removed, first.unchanged], [4, 0, 0, 0]);
      const before = store.chunks();
      assert.ok(before.some((c) => c.path === 'src/cars.ts' && c.symbol === 'park' && c.startLine === 1 && c.endLine === 4));
      assert.ok(before.some((c) => c.path === 'src/billing.py' && c.symbol === 'send_invoice'));
      assert.ok(before.some((c) => c.path === 'src/auth.go' && c.symbol === 'Login'));

      const again = await indexWorkspace(root, store);
      assert.deepEqual([again.added, again.changed, again.removed, again.unchanged, again.chunksWritten], [0, 0, 0, 4, 0]);
      assert.deepEqual(store.chunks().map((c) => c.id), before.map((c) => c.id), 'an unchanged workspace rewrites nothing');

      writeFiles(root, { 'src/cars.ts': '/** Parks the truck. */\nexport function parkTruck(t: string): string {\n  return t;\n}\n', 'src/new.rs': 'fn main() {}\n' });
      fs.rmSync(path.join(root, 'src/auth.go'));
      const third = await indexWorkspace(root, store);
      assert.deepEqual([third.added, third.changed, third.removed, third.unchanged], [1, 1, 1, 2]);
      const after = store.chunks();
      assert.ok(!after.some((c) => c.path === 'src/auth.go'), 'the deleted file is gone');
      assert.ok(!after.some((c) => c.symbol === 'park') && after.some((c) => c.symbol === 'parkTruck'));
      assert.ok(after.some((c) => c.path === 'src/new.rs' && c.symbol === 'main'));
      const billing = (cs: typeof before) => cs.filter((c) => c.path === 'src/billing.py').map((c) => c.id);
      assert.deepEqual(billing(after), billing(before), 'chunks of untouched files keep their rows');
      assert.deepEqual([...store.indexedFiles().keys()].sort(), ['README.md', 'src/billing.py', 'src/cars.ts', 'src/new.rs']);
    } finally {
      await db.close();
    }
  });

  it('survives reopening the database: the second run after a restart still skips unchanged files', async () => {
    const root = tempWorkspace(FILES);
    let opened = await openMemory(root);
    await indexWorkspace(root, opened.store);
    await opened.db.close();
    opened = await openMemory(root);
    try {
      const report = await indexWorkspace(root, opened.store);
      assert.equal(report.unchanged, 4);
      assert.equal(opened.store.chunks().length > 3, true);
    } finally {
      await opened.db.close();
    }
  });

  it('respects .gitignore at every level, skips binaries, oversized and minified files, and its own database', async () => {
    const root = tempWorkspace({
      ...FILES,
      '.gitignore': 'build/\n*.log\n/secret.txt\n!keep.log\n',
      'build/out.js': 'function built() {}\n',
      'debug.log': 'noise\n',
      'keep.log': 'kept on purpose\n',
      'secret.txt': 'hidden\n',
      'docs/secret.txt': 'not anchored: indexed\n',
      'pkg/.gitignore': 'generated/**\n',
      'pkg/generated/x.ts': 'export const x = 1;\n',
      'pkg/real.ts': 'export const real = 1;\n',
      'node_modules/dep/index.js': 'module.exports = 1;\n',
      'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]),
      'big.ts': `export const big = "${'x'.repeat(5_000)}";\n`.repeat(2),
      'dist/app.min.js': `var a=${'1+'.repeat(3_000)}1;\n`,
    });
    const { db, store } = await openMemory(root);
    try {
      const report = await indexWorkspace(root, store, { maxFileBytes: 8_000 });
      const indexed = [...store.indexedFiles().keys()].sort();
      assert.deepEqual(indexed, ['.gitignore', 'README.md', 'docs/secret.txt', 'keep.log', 'pkg/.gitignore', 'pkg/real.ts', 'src/auth.go', 'src/billing.py', 'src/cars.ts']);
      assert.equal(report.skipped, 3, 'the png, the oversized file and the minified bundle');
      assert.ok(!indexed.some((p) => p.startsWith('.codecompanion')));
    } finally {
      await db.close();
    }
  });

  it('re-indexes only the paths a watcher reports: a saved file, a new one, a deleted folder; ignored paths stay out', async () => {
    const root = tempWorkspace({ ...FILES, '.gitignore': 'build/\n', 'lib/a.ts': 'export const a = 1;\n', 'lib/b.ts': 'export const b = 2;\n' });
    const { db, store } = await openMemory(root);
    try {
      await indexWorkspace(root, store);
      const billing = store.chunks().filter((c) => c.path === 'src/billing.py').map((c) => c.id);
      writeFiles(root, { 'src/cars.ts': 'export function parkTruck(): void {}\n', 'src/auth.go': 'package auth\n\nfunc Logout() {}\n', 'src/new.ts': 'export const fresh = 1;\n', 'build/out.js': 'function built() {}\n' });
      fs.rmSync(path.join(root, 'lib'), { recursive: true });
      // src/auth.go changed too, but the watcher did not report it: a paths run leaves it alone
      const report = await indexWorkspace(root, store, { paths: ['src/cars.ts', 'src/new.ts', 'lib', 'build/out.js', 'node_modules/x/index.js'] });
      assert.deepEqual([report.files, report.added, report.changed, report.removed, report.unchanged], [2, 1, 1, 2, 0]);
      const indexed = [...store.indexedFiles().keys()].sort();
      assert.deepEqual(indexed, ['.gitignore', 'README.md', 'src/auth.go', 'src/billing.py', 'src/cars.ts', 'src/new.ts']);
      assert.ok(store.chunks().some((c) => c.symbol === 'parkTruck') && !store.chunks().some((c) => c.symbol === 'park'));
      assert.ok(store.chunks().some((c) => c.symbol === 'Login'), 'an unreported file keeps its old chunks');
      assert.deepEqual(store.chunks().filter((c) => c.path === 'src/billing.py').map((c) => c.id), billing);
      const full = await indexWorkspace(root, store);
      assert.deepEqual([full.changed, full.added, full.removed], [1, 0, 0], 'a full run finds only what the paths run was not told about');
    } finally {
      await db.close();
    }
  });

  it('matches gitignore patterns the way git does', () => {
    const rules = [parseGitignore('', '**/tmp\nlogs/**/*.txt\n*.o\n!important.o\nfoo/\n\\#hash\n[ab].c\n')];
    const cases: [string, boolean, boolean][] = [
      ['tmp', true, true],
      ['a/b/tmp', false, true],
      ['logs/x/y/z.txt', false, true],
      ['logs/z.txt', false, true],
      ['other/logs/z.txt', false, false],
      ['src/main.o', false, true],
      ['src/important.o', false, false],
      ['foo', true, true],
      ['foo', false, false],
      ['#hash', false, true],
      ['a.c', false, true],
      ['c.c', false, false],
    ];
    for (const [p, dir, expected] of cases) assert.equal(isIgnored(rules, p, dir), expected, `${p}${dir ? '/' : ''}`);
    const nested = [parseGitignore('', '*.gen\n'), parseGitignore('sub', '!keep.gen\n/local\n')];
    assert.equal(isIgnored(nested, 'sub/keep.gen', false), false);
    assert.equal(isIgnored(nested, 'sub/other.gen', false), true);
    assert.equal(isIgnored(nested, 'sub/local', false), true);
    assert.equal(isIgnored(nested, 'sub/deeper/local', false), false);
  });

  it('reports progress and stops when cancelled; the next run completes what was left', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 40; i++) many[`src/f${i}.ts`] = `export function f${i}(): number {\n  return ${i};\n}\n`;
    const root = tempWorkspace(many);
    const { db, store } = await openMemory(root);
    try {
      const controller = new AbortController();
      const seen: IndexProgress[] = [];
      await assert.rejects(
        indexWorkspace(root, store, {
          signal: controller.signal,
          onProgress: (p) => {
            seen.push(p);
            if (p.phase === 'chunk' && p.done === 10) controller.abort(new Error('stop'));
          },
        }),
        /stop/,
      );
      assert.equal(seen[0]!.phase, 'scan');
      assert.equal(seen[0]!.total, 40);
      assert.equal(store.indexedFiles().size, 10, 'the files chunked before the cancel are kept');
      const finished = await indexWorkspace(root, store);
      assert.deepEqual([finished.added, finished.unchanged], [30, 10]);
      assert.equal(store.indexedFiles().size, 40);
    } finally {
      await db.close();
    }
  });

  it('embeds each distinct chunk text once and reuses cached vectors on re-index', async () => {
    const root = tempWorkspace({ ...FILES, 'src/copy.ts': FILES['src/cars.ts'] });
    const { db, store } = await openMemory(root);
    try {
      const embedder = new ConceptEmbedder();
      const first = await indexWorkspace(root, store, { embedder, embedBatch: 2 });
      const distinct = new Set(store.chunks().map((c) => c.contentHash)).size;
      assert.equal(first.embedded, distinct);
      assert.equal(embedder.texts.length, distinct, 'the same text in two files is embedded once');
      assert.equal(embedder.calls, Math.ceil(distinct / 2));
      writeFiles(root, { 'README.md': '# Demo\n\nNow about payment.\n' });
      const second = await indexWorkspace(root, store, { embedder });
      assert.equal(second.embedded, 1);
      assert.equal(embedder.texts.at(-1), '# Demo\n\nNow about payment.');
      assert.equal(store.vectors(embedder.id).size, distinct, 'the old README vector was pruned');
    } finally {
      await db.close();
    }
  });

  it('keeps a keyword-only index when the embedder fails, and says why', async () => {
    const root = tempWorkspace(FILES);
    const { db, store } = await openMemory(root);
    try {
      const failing = { id: 'broken:model', embed: async () => Promise.reject(new Error('401 invalid api key')) };
      const report = await indexWorkspace(root, store, { embedder: failing });
      assert.equal(report.embedded, 0);
      assert.match(report.embedError ?? '', /broken:model: 401 invalid api key/);
      assert.equal(store.indexedFiles().size, 4);
    } finally {
      await db.close();
    }
  });
});
