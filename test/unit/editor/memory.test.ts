import { strict as assert } from 'node:assert';
import { embedderFrom, indexMemory, loadedSearch, workspaceMemory } from '../../../src/app/memory';
import { PendingPaths } from '../../../src/app/pendingPaths';
import { readSettings } from '../../../src/app/editorSettings';
import { openWorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import { tempWorkspace } from '../memory/helpers';

describe('editor: workspace memory', () => {
  it('embeds with the first embedding-capable provider configured, and not with Anthropic alone', () => {
    assert.equal(embedderFrom({ providers: { anthropic: { apiKey: 'a' } } }), undefined);
    assert.equal(embedderFrom({ providers: { anthropic: { apiKey: 'a' }, gemini: { apiKey: 'g' } } })?.id.startsWith('gemini:'), true);
    assert.equal(embedderFrom({ providers: { openai: { apiKey: 'o' }, gemini: { apiKey: 'g' } } })?.id.startsWith('openai:'), true);
    assert.equal(embedderFrom({ providers: { 'openai-compatible': { baseUrl: 'http://127.0.0.1:11434/v1', embeddingModel: 'nomic-embed-text' } } })?.id, 'openai-compatible:nomic-embed-text');
  });

  it('gives runs context only once the workspace is indexed, and remembers decisions either way', async () => {
    const root = tempWorkspace({ 'src/users.js': 'function listUsers() {\n  return [];\n}\n' });
    const main = await openWorkspaceDatabase(root, { mode: 'write' });
    try {
      const before = workspaceMemory(main, undefined);
      assert.equal(before.context, undefined);
      await before.memory.rememberPatchDecision({ runId: 'r1', objective: 'o', patchId: 'p.r1', taskTitle: 'Document', summary: 's', files: ['README.md'], decision: 'reject', reasons: ['say what a bad id answers'] });
      await indexMemory(root, main);
      const after = workspaceMemory(main, undefined);
      assert.ok(after.context, 'no context after indexing');
      const { search } = await loadedSearch(main, undefined);
      assert.ok((await search.search('say what a bad id answers', { source: 'run' })).hits.some((h) => h.chunk.text.includes('say what a bad id answers')));
      assert.ok((await search.search('list users', { source: 'file' })).hits.some((h) => h.chunk.symbol === 'listUsers'));
      assert.match(await after.context.contextFor({ objective: 'list users', files: [] }), /listUsers/);
    } finally {
      await main.close();
    }
  });

  it('queues what a watcher reports once, never our own database, VCS folders or dependencies', () => {
    const q = new PendingPaths();
    assert.equal(q.add('src/a.ts'), true);
    assert.equal(q.add('src\\b.ts'), true);
    assert.equal(q.add('src/a.ts'), true);
    assert.equal(q.add('lib'), true);
    assert.equal(q.add('lib/x.ts'), true);
    for (const ignored of ['.codecompanion/state.sqlite', '.codecompanion', '.git/index', 'pkg/node_modules/x/index.js', '../outside.ts', '', '/abs/path.ts'])
      assert.equal(q.add(ignored), false, ignored);
    assert.deepEqual(q.take(), ['lib', 'src/a.ts', 'src/b.ts'], 'lib covers lib/x.ts');
    assert.deepEqual(q.take(), []);
  });

  it('reads memory.autoIndex, off unless set to true', () => {
    assert.equal(readSettings(() => undefined).memory.autoIndex, false);
    assert.equal(readSettings((k) => (k === 'memory.autoIndex' ? true : undefined)).memory.autoIndex, true);
    assert.equal(readSettings((k) => (k === 'memory.autoIndex' ? 'yes' : undefined)).memory.autoIndex, false);
  });
});
