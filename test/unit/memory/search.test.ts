import { strict as assert } from 'node:assert';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { indexWorkspace } from '../../../src/core/memory/indexer';
import { MemorySearch } from '../../../src/core/memory/memorySearch';
import { reciprocalRankFusion, topK } from '../../../src/core/memory/ranking';
import { GeminiEmbedder, OpenAIEmbedder } from '../../../src/providers/embedders';
import { startFakeModelServer, type FakeModelServer } from '../../fakes/fakeModelServer';
import { ConceptEmbedder, openMemory, tempWorkspace } from './helpers';

const FILES = {
  'src/garage.ts': '/** Moves a vehicle into the garage. */\nexport function parkVehicle(plate: string): void {\n  garage.add(plate);\n}\n',
  'src/fleet.ts': '/** Lists every truck we own. */\nexport function listTrucks(): string[] {\n  return fleet.filter((t) => t.kind === "truck");\n}\n',
  'src/billing.ts': '/** Sends the monthly invoice. */\nexport function sendInvoice(customer: Customer): Promise<void> {\n  return mailer.send(customer.email, render(customer));\n}\n',
  'src/auth.ts': '/** Checks a password against the stored hash. */\nexport function checkPassword(user: User, password: string): boolean {\n  return verify(user.hash, password);\n}\n',
  'src/sorting.ts': '/** Orders results by score. */\nexport function rankResults(results: Result[]): Result[] {\n  return [...results].sort((a, b) => b.score - a.score);\n}\n',
};

describe('memory search', () => {
  it('ranks by BM25 with identifiers split into words', async () => {
    const root = tempWorkspace(FILES);
    const { db, store } = await openMemory(root);
    try {
      await indexWorkspace(root, store);
      const memory = MemorySearch.load(store);
      const result = await memory.search('send the invoice to a customer');
      assert.equal(result.mode, 'keyword');
      assert.equal(result.hits[0]!.chunk.symbol, 'sendInvoice');
      assert.equal((await memory.search('check password')).hits[0]!.chunk.path, 'src/auth.ts');
      assert.equal((await memory.search('listTrucks')).hits[0]!.chunk.symbol, 'listTrucks');
      assert.deepEqual((await memory.search('zebra quantum')).hits, []);
    } finally {
      await db.close();
    }
  });

  it('hybrid ranking finds by meaning what keywords miss, and fuses both lists', async () => {
    const root = tempWorkspace(FILES);
    const { db, store } = await openMemory(root);
    try {
      const embedder = new ConceptEmbedder();
      await indexWorkspace(root, store, { embedder });
      const keywordOnly = MemorySearch.load(store);
      const hybrid = MemorySearch.load(store, embedder);
      assert.equal(hybrid.hybrid, true);
      // "automobile" shares no keyword with the code; the concept embedder knows it means car/vehicle/truck
      assert.deepEqual((await keywordOnly.search('automobile')).hits, []);
      const found = await hybrid.search('automobile');
      assert.equal(found.mode, 'hybrid');
      assert.deepEqual(found.hits.slice(0, 2).map((h) => h.chunk.symbol).sort(), ['listTrucks', 'parkVehicle']);
      assert.ok(found.hits[0]!.vectorRank && !found.hits[0]!.keywordRank);
      // at a vector weight above 0, a chunk in both lists outranks one found by only one of them
      const both = await hybrid.search('billing invoice', { vectorWeight: 1 });
      assert.equal(both.hits[0]!.chunk.symbol, 'sendInvoice');
      assert.ok(both.hits[0]!.keywordRank === 1 && both.hits[0]!.vectorRank === 1);
    } finally {
      await db.close();
    }
  });

  it('falls back to keywords when the query cannot be embedded, and says so', async () => {
    const root = tempWorkspace(FILES);
    const { db, store } = await openMemory(root);
    try {
      const embedder = new ConceptEmbedder();
      await indexWorkspace(root, store, { embedder });
      const flaky = { id: embedder.id, embed: async () => Promise.reject(new Error('ECONNREFUSED')) };
      const result = await MemorySearch.load(store, flaky).search('invoice', { vectorWeight: 0.5 });
      assert.equal(result.mode, 'keyword');
      assert.match(result.fallback ?? '', /ECONNREFUSED/);
      assert.equal(result.hits[0]!.chunk.symbol, 'sendInvoice');
      // vectors from another embedding space are never mixed in
      const other = { id: 'other:model', embed: embedder.embed.bind(embedder) };
      assert.equal(MemorySearch.load(store, other).hybrid, false);
    } finally {
      await db.close();
    }
  });

  it('fuses ranked lists by reciprocal rank and picks the top k', () => {
    const fused = reciprocalRankFusion([
      [{ doc: 1, score: 9 }, { doc: 2, score: 8 }, { doc: 3, score: 7 }],
      [{ doc: 3, score: 0.9 }, { doc: 4, score: 0.8 }, { doc: 1, score: 0.7 }],
    ]);
    assert.deepEqual(fused.map((r) => r.doc), [1, 3, 2, 4]);
    assert.ok(Math.abs(fused[0]!.score - (1 / 61 + 1 / 63)) < 1e-12);
    const scores = Float32Array.from([0.1, 0.9, 0.5, 0.7, 0.3]);
    assert.deepEqual(topK(scores, 3).map((r) => r.doc), [1, 3, 2]);
    assert.deepEqual(topK(scores, 2, [0, 2, 4]).map((r) => r.doc), [2, 4]);
  });

  describe('through the real SDKs against the fake model server', () => {
    let server: FakeModelServer;
    before(async () => (server = await startFakeModelServer()));
    after(async () => server.close());
    beforeEach(() => server.reset());

    for (const vendor of ['openai', 'gemini'] as const) {
      it(`indexes with ${vendor} embeddings, batched, and searches hybrid`, async () => {
        const embedder =
          vendor === 'openai'
            ? new OpenAIEmbedder('openai', new OpenAI({ apiKey: 'sk-test', baseURL: server.urls.openai, maxRetries: 0 }), 'text-embedding-3-small')
            : new GeminiEmbedder(new GoogleGenAI({ apiKey: 'g-test', httpOptions: { baseUrl: server.urls.gemini } }), 'gemini-embedding-001');
        const root = tempWorkspace(FILES);
        const { db, store } = await openMemory(root);
        try {
          const report = await indexWorkspace(root, store, { embedder, embedBatch: 3 });
          const distinct = new Set(store.chunks().map((c) => c.contentHash)).size;
          assert.equal(report.embedded, distinct);
          assert.equal(report.embedder, vendor === 'openai' ? 'openai:text-embedding-3-small' : 'gemini:gemini-embedding-001');
          const embedRequests = server.requests.filter((r) => r.kind === 'embed');
          assert.ok(embedRequests.length >= 2, 'more chunks than one batch holds');
          assert.ok(embedRequests.every((r) => r.model.endsWith(vendor === 'openai' ? 'text-embedding-3-small' : 'gemini-embedding-001')));
          assert.equal([...store.vectors(embedder.id).values()][0]!.length, 64);

          const memory = MemorySearch.load(store, embedder);
          const result = await memory.search('monthly invoice customer', { vectorWeight: 1 });
          assert.equal(result.mode, 'hybrid');
          assert.equal(result.hits[0]!.chunk.symbol, 'sendInvoice');
          assert.ok(result.hits[0]!.vectorRank !== undefined);

          const before = server.requests.length;
          await indexWorkspace(root, store, { embedder });
          assert.equal(server.requests.length, before, 'nothing changed: no embedding request');
        } finally {
          await db.close();
        }
      });
    }
  });
});

describe('memory: weighted fusion', () => {
  const keyword = [{ doc: 1, score: 3 }, { doc: 2, score: 2 }];
  const vector = [{ doc: 3, score: 0.9 }, { doc: 2, score: 0.8 }];

  it('a list weighted 0 adds nothing; equal weights are plain RRF', () => {
    assert.deepEqual(reciprocalRankFusion([keyword, vector], 60, [1, 0]).map((r) => r.doc), [1, 2]);
    assert.deepEqual(reciprocalRankFusion([keyword, vector]).map((r) => r.doc), [2, 1, 3]);
    assert.deepEqual(reciprocalRankFusion([keyword, vector], 60, [1, 0.25]).map((r) => r.doc), [2, 1, 3]);
  });
});
