// The keyword index on disk (src/storage/keywordIndex.ts): kept in step with every chunk write, equal
// to a rebuild from the chunks, ranking exactly as BM25 over the chunks' text, and built for an index
// written before it (test/fixtures/memory-v1: a memory database written by the code before migration 2).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { indexWorkspace } from '../../../src/core/memory/indexer';
import { MemorySearch } from '../../../src/core/memory/memorySearch';
import { searchableText, tokenize } from '../../../src/core/memory/terms';
import { workspaceMemory } from '../../../src/app/memory';
import { databaseDir, memoryDirOf } from '../../../src/storage/layout';
import { memoryDir, openMemoryDatabase, readMemoryDatabase } from '../../../src/storage/memoryDatabase';
import { SqlMemoryStore } from '../../../src/storage/memoryStore';
import { openWorkspaceDatabase, type WorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import type { Database } from '../../../src/storage/database';
import { openMemory, tempWorkspace, writeFiles } from './helpers';

const FIXTURE = path.resolve(__dirname, '..', '..', 'fixtures', 'memory-v1');

const symbols = async (search: MemorySearch, query: string, source?: 'file' | 'run') => (await search.search(query, { limit: 20, ...(source ? { source } : {}) })).hits.map((h) => h.chunk.symbol);

function indexRows(db: Database): unknown {
  return {
    terms: db.all<{ term: string; block: number; postings: Uint8Array }>('SELECT term, block, postings FROM memory_terms ORDER BY term, block').map((r) => [r.term, r.block, Buffer.from(r.postings).toString('hex')]),
    lengths: db.all<{ block: number; lengths: Uint8Array }>('SELECT block, lengths FROM memory_lengths ORDER BY block').map((r) => [r.block, Buffer.from(r.lengths).toString('hex')]),
  };
}

describe('memory: the keyword index on disk', () => {
  it('finds a chunk once written, its new text once replaced, nothing once deleted; run memory too', async () => {
    const root = tempWorkspace({ 'src/zoo.ts': 'export function zebraStripes(count: number) {\n  return stripes.paint(count);\n}\n', 'src/other.ts': 'export function unrelatedThing() {\n  return 1;\n}\n' });
    const { db, main, memory, store } = await openMemory(root);
    try {
      await indexWorkspace(root, store);
      const search = MemorySearch.load(store);
      assert.deepEqual(await symbols(search, 'zebra stripes'), ['zebraStripes']);
      writeFiles(root, { 'src/zoo.ts': 'export function giraffeNeck(length: number) {\n  return neck.stretch(length);\n}\n' });
      await indexWorkspace(root, store);
      assert.deepEqual(await symbols(search, 'zebra stripes'), [], 'the replaced text is no longer found');
      assert.deepEqual(await symbols(search, 'giraffe neck stretch'), ['giraffeNeck']);
      fs.rmSync(path.join(root, 'src/zoo.ts'));
      await indexWorkspace(root, store);
      assert.deepEqual(await symbols(search, 'giraffe neck stretch'), []);
      assert.deepEqual(await symbols(search, 'unrelated'), ['unrelatedThing']);
      // a decision queued in the workspace database, then taken in by the memory's writer
      await workspaceMemory(main, undefined).memory.rememberPatchDecision({ runId: 'r1', objective: 'o', patchId: 'p1', taskTitle: 'Paint', summary: 's', files: [], decision: 'reject', reasons: ['okapi stripes are not zebra stripes'] });
      await memory.close();
      const again = await openMemoryDatabase(main, { mode: 'write' });
      try {
        const reopened = MemorySearch.load(new SqlMemoryStore(again));
        assert.deepEqual(await symbols(reopened, 'okapi', 'run'), ['p1']);
        assert.deepEqual(await symbols(reopened, 'okapi', 'file'), []);
      } finally {
        await again.close();
      }
    } finally {
      await db.close();
    }
  });

  it('rebuilt from the chunks equals what the writes kept, row for row', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`src/m${i}.ts`] = `export function handler${i}(request: Request) {\n  return route${i % 7}(request, ${i});\n}\n\nexport class Store${i} {\n  get(key: string) {\n    return this.cache${i % 3}.get(key);\n  }\n}\n`;
    const root = tempWorkspace(files);
    const { main, memory, store } = await openMemory(root);
    let incremental: unknown;
    try {
      await indexWorkspace(root, store);
      for (let i = 0; i < 40; i += 3) writeFiles(root, { [`src/m${i}.ts`]: `export const replaced${i} = 'handler ${i} moved';\n` });
      for (let i = 1; i < 40; i += 5) fs.rmSync(path.join(root, `src/m${i}.ts`));
      await indexWorkspace(root, store);
      await store.addRunChunks([{ path: 'run-1', startLine: 0, endLine: 0, symbol: 'p1', kind: 'patch-accept', contentHash: 'h1', text: 'Patch accepted: route requests through the store cache' }]);
      incremental = indexRows(memory);
      assert.ok((incremental as { terms: unknown[] }).terms.length > 50);
    } finally {
      await memory.close();
    }
    const rebuilt = await openMemoryDatabase(main, { mode: 'write', rebuildKeywordIndex: true });
    try {
      assert.deepEqual(indexRows(rebuilt), incremental);
    } finally {
      await rebuilt.close();
      await main.close();
    }
  });

  it('ranks exactly as Okapi BM25 over every chunk, with core\'s terms', async () => {
    const words = ['page', 'limit', 'user', 'cursor', 'token', 'session', 'cache', 'stream', 'parse', 'render', 'retry', 'queue'];
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) {
      const w = (k: number) => words[(i * 7 + k * 5) % words.length]!;
      files[`src/f${i}.ts`] = `export function ${w(0)}${w(1)[0]!.toUpperCase()}${w(1).slice(1)}${i}() {\n${Array.from({ length: 1 + (i % 6) }, (_, l) => `  ${w(l + 2)}.${w(l + 3)}(${w(l)}s);`).join('\n')}\n}\n`;
    }
    const root = tempWorkspace(files);
    const { db, store } = await openMemory(root);
    try {
      await indexWorkspace(root, store);
      const chunks = store.chunks();
      const docs = chunks.map((c) => tokenize(searchableText(c.path, c.symbol, c.text)));
      const avg = docs.reduce((s, d) => s + d.length, 0) / docs.length;
      const search = MemorySearch.load(store);
      for (const query of ['parse the user session token', 'cursor pages', 'render stream queue retry limit', 'userPage12']) {
        const terms = [...new Set(tokenize(query))];
        const expected = chunks
          .map((c, i) => {
            let score = 0;
            for (const t of terms) {
              const df = docs.filter((d) => d.includes(t)).length;
              const tf = docs[i]!.filter((x) => x === t).length;
              if (tf) score += (Math.log(1 + (docs.length - df + 0.5) / (df + 0.5)) * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * docs[i]!.length) / avg));
            }
            return { id: c.id, score };
          })
          .filter((r) => r.score > 0)
          .sort((a, b) => b.score - a.score || a.id - b.id)
          .slice(0, 10);
        const got = (await search.search(query, { limit: 10 })).hits;
        assert.equal(got.length, expected.length, query);
        got.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i]!.score) < 1e-4 * expected[i]!.score, `${query}: rank ${i + 1} scores ${h.score}, BM25 says ${expected[i]!.score}`));
        // equal scores may come in either order: compare the sets of each score
        const key = (xs: { score: number; id: number }[]) => xs.map((x) => `${x.score.toFixed(4)}:${x.id}`).sort();
        assert.deepEqual(key(got.map((h) => ({ score: h.score, id: h.chunk.id }))), key(expected), query);
      }
    } finally {
      await db.close();
    }
  });

  describe('an index written before its keyword index (fixture memory-v1)', () => {
    async function fixtureWorkspace(): Promise<{ root: string; main: WorkspaceDatabase }> {
      const root = tempWorkspace({});
      const main = await openWorkspaceDatabase(root, { mode: 'write' });
      const dir = memoryDir(main);
      fs.mkdirSync(dir, { recursive: true });
      for (const f of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
      return { root, main };
    }

    it('a reader says keywords cannot rank yet; the next writer builds the index, then every chunk is found', async () => {
      const { root, main } = await fixtureWorkspace();
      try {
        const reader = await readMemoryDatabase(databaseDir(root), 'test');
        try {
          const result = await MemorySearch.load(new SqlMemoryStore(reader)).search('monthly invoice');
          assert.deepEqual(result.hits, []);
          assert.match(result.fallback ?? '', /written before its keyword index.*codecompanion index/);
        } finally {
          await reader.close();
        }
        const writer = await openMemoryDatabase(main, { mode: 'write' });
        try {
          assert.equal(writer.recovery.migratedFrom, 1);
          const search = MemorySearch.load(new SqlMemoryStore(writer));
          assert.deepEqual(await symbols(search, 'monthly invoice customer'), ['sendInvoice']);
          assert.deepEqual((await symbols(search, 'vehicle garage')).slice(0, 1), ['parkVehicle']);
          assert.deepEqual((await symbols(search, 'parking lot full')).slice(0, 1), ['ParkingLot']);
          assert.deepEqual(await symbols(search, 'list users page', 'file'), ['list_users']);
          assert.deepEqual(await symbols(search, 'never use offsets', 'run'), ['p1']);
          assert.equal(search.size, 5);
        } finally {
          await writer.close();
        }
        // built once, durably: a reader now ranks, and a rebuild gives the same rows
        const after = await readMemoryDatabase(databaseDir(root), 'test');
        let built: unknown;
        try {
          assert.deepEqual(await symbols(MemorySearch.load(new SqlMemoryStore(after)), 'monthly invoice'), ['sendInvoice']);
          built = indexRows(after);
        } finally {
          await after.close();
        }
        const rebuilt = await openMemoryDatabase(main, { mode: 'write', rebuildKeywordIndex: true });
        try {
          assert.deepEqual(indexRows(rebuilt), built);
        } finally {
          await rebuilt.close();
        }
        assert.ok(fs.existsSync(path.join(memoryDirOf(databaseDir(root)), 'state.sqlite')));
      } finally {
        await main.close();
      }
    });
  });
});
