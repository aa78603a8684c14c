// The memory index's text and vectors in the blob file beside its database (src/storage/memoryBlobs.ts),
// on real files: an index of today's format before the blob file (test/fixtures/memory-v2, written by
// the code of memory migration 2) is migrated without loss and its image no longer holds them; a
// damaged or missing blob file is reported with the file's name and left as it is; an append that was
// never committed is never read; a mostly dead file is compacted into a new generation.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { indexWorkspace } from '../../../src/core/memory/indexer';
import { MemorySearch } from '../../../src/core/memory/memorySearch';
import { loadSqlJs, queryAll } from '../../../src/storage/database';
import { databaseDir, DatabaseFileError, SNAPSHOT_FILE } from '../../../src/storage/layout';
import { listBlobFiles } from '../../../src/storage/memoryBlobs';
import { memoryDir, openMemoryDatabase, readMemoryDatabase } from '../../../src/storage/memoryDatabase';
import { SqlMemoryStore } from '../../../src/storage/memoryStore';
import { openWorkspaceDatabase, type WorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import { runCli } from '../../helpers/cliRunner';
import { tempWorkspace, writeFiles } from './helpers';

const FIXTURE = path.resolve(__dirname, '..', '..', 'fixtures', 'memory-v2');

interface Held {
  chunks: { source: string; path: string; symbol: string | null; kind: string; contentHash: string; text: string }[];
  vectors: Record<string, string[]>;
}

/** What a store holds, text and vectors resolved wherever they are kept. */
function held(store: SqlMemoryStore): Held {
  const chunks = store.chunks().map((c) => ({ source: c.source, path: c.path, symbol: c.symbol ?? null, kind: c.kind, contentHash: c.contentHash, text: c.text }));
  const vectors: Record<string, string[]> = {};
  for (const e of store.embedders().sort()) vectors[e] = [...store.vectors(e)].sort(([a], [b]) => (a < b ? -1 : 1)).map(([h, v]) => `${h}:${Array.from(v).join(',')}`);
  return { chunks, vectors };
}

async function fixtureHeld(): Promise<Held> {
  const SQL = await loadSqlJs();
  const image = new SQL.Database(fs.readFileSync(path.join(FIXTURE, SNAPSHOT_FILE)));
  try {
    const chunks = queryAll<{ source: string; path: string; symbol: string | null; kind: string; content_hash: string; text: string }>(image, 'SELECT source, path, symbol, kind, content_hash, text FROM memory_chunks ORDER BY chunk_id').map((c) => ({
      source: c.source, path: c.path, symbol: c.symbol, kind: c.kind, contentHash: c.content_hash, text: c.text,
    }));
    const vectors: Record<string, string[]> = {};
    for (const r of queryAll<{ content_hash: string; embedder: string; vector: Uint8Array }>(image, 'SELECT content_hash, embedder, vector FROM memory_vectors ORDER BY embedder, content_hash')) {
      const copy = Uint8Array.from(r.vector);
      (vectors[r.embedder] ??= []).push(`${r.content_hash}:${Array.from(new Float32Array(copy.buffer)).join(',')}`);
    }
    return { chunks, vectors };
  } finally {
    image.close();
  }
}

async function fixtureWorkspace(): Promise<{ root: string; main: WorkspaceDatabase; dir: string }> {
  const root = tempWorkspace({});
  const main = await openWorkspaceDatabase(root, { mode: 'write' });
  const dir = memoryDir(main);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  return { root, main, dir };
}

const termRows = (db: { all<T>(sql: string): T[] }) => db.all<{ term: string; block: number; postings: Uint8Array }>('SELECT term, block, postings FROM memory_terms ORDER BY term, block').map((r) => `${r.term}/${r.block}/${Buffer.from(r.postings).toString('hex')}`);

const symbols = async (store: SqlMemoryStore, query: string) => (await MemorySearch.load(store).search(query, { limit: 5 })).hits.map((h) => h.chunk.symbol);

describe('memory: text and vectors in the blob file beside the database', () => {
  it('migrates an index of the inline format (fixture memory-v2) without loss: the image keeps rows pointing into the blob file', async () => {
    const { root, main, dir } = await fixtureWorkspace();
    const expected = await fixtureHeld();
    assert.ok(expected.chunks.length >= 4 && Object.keys(expected.vectors).length === 1, 'the fixture holds chunks, run memory and vectors');
    try {
      // a reader before any writer: reads the inline form as it is
      const reader = await readMemoryDatabase(databaseDir(root), 'test');
      try {
        assert.deepEqual(held(new SqlMemoryStore(reader)), expected);
        assert.deepEqual(await symbols(new SqlMemoryStore(reader), 'monthly invoice customer'), ['sendInvoice'], 'postings of format 1 still rank');
        assert.deepEqual(listBlobFiles(dir), []);
      } finally {
        await reader.close();
      }
      const writer = await openMemoryDatabase(main, { mode: 'write' });
      try {
        assert.equal(writer.recovery.migratedFrom, 2);
        const store = new SqlMemoryStore(writer);
        assert.deepEqual(held(store), expected);
        assert.equal(writer.all<{ n: number }>("SELECT count(*) AS n FROM memory_chunks WHERE text_at IS NULL OR text <> ''")[0]!.n, 0, 'no chunk text left in the image');
        assert.equal(writer.all<{ n: number }>('SELECT count(*) AS n FROM memory_vectors WHERE vector_at IS NULL OR length(vector) > 0')[0]!.n, 0, 'no vector left in the image');
        assert.deepEqual(await symbols(store, 'monthly invoice customer'), ['sendInvoice']);
        assert.deepEqual((await symbols(store, 'never use offsets')).slice(0, 1), ['p1']);
      } finally {
        await writer.close();
      }
      assert.equal(listBlobFiles(dir).length, 1);
      // its postings were converted to varints row by row: the same rows a rebuild from the chunks gives
      const converted = await openMemoryDatabase(main, { mode: 'write' });
      let rows: unknown;
      try {
        assert.equal(converted.all<{ value: number }>("SELECT value FROM memory_meta WHERE key = 'postings_format'")[0]?.value, 2);
        rows = termRows(converted);
      } finally {
        await converted.close();
      }
      const rebuilt = await openMemoryDatabase(main, { mode: 'write', rebuildKeywordIndex: true });
      try {
        assert.deepEqual(termRows(rebuilt), rows);
      } finally {
        await rebuilt.close();
      }
      // durable: a fresh reader of the snapshot finds everything in the blob file
      const after = await readMemoryDatabase(databaseDir(root), 'test');
      try {
        assert.deepEqual(held(new SqlMemoryStore(after)), expected);
        assert.ok(!Buffer.from(fs.readFileSync(path.join(dir, SNAPSHOT_FILE))).includes('monthly invoice'), 'the snapshot no longer holds the text');
      } finally {
        await after.close();
      }
    } finally {
      await main.close();
    }
  });

  it('a damaged record or a missing blob file is reported with the file\'s name, and left as it is', async () => {
    const root = tempWorkspace({ 'src/zoo.ts': 'export function zebraStripes(count: number) {\n  return stripes.paint(count);\n}\n' });
    const main = await openWorkspaceDatabase(root, { mode: 'write' });
    try {
      const memory = await openMemoryDatabase(main, { mode: 'write' });
      await indexWorkspace(root, new SqlMemoryStore(memory));
      await memory.close();
      const [blob] = listBlobFiles(memoryDir(main));
      const bytes = fs.readFileSync(blob!.path);
      const at = bytes.indexOf('zebraStripes');
      assert.ok(at > 0);
      const damaged = Buffer.from(bytes);
      damaged[at] = 'Z'.charCodeAt(0);
      fs.writeFileSync(blob!.path, damaged);
      const reader = await readMemoryDatabase(databaseDir(root), 'test');
      try {
        await assert.rejects(
          MemorySearch.load(new SqlMemoryStore(reader)).search('zebra stripes'),
          (err: Error) => err instanceof DatabaseFileError && err.message.includes(blob!.path) && /fails its checksum/.test(err.message) && /db move-aside --memory --yes/.test(err.message),
        );
        assert.deepEqual(fs.readFileSync(blob!.path), damaged, 'nothing repaired');
        assert.throws(() => new SqlMemoryStore(reader).verifyBlobs(), (err: Error) => err instanceof DatabaseFileError && /fails its checksum/.test(err.message));
        fs.rmSync(blob!.path);
        await assert.rejects(MemorySearch.load(new SqlMemoryStore(reader)).search('zebra stripes'), (err: Error) => err instanceof DatabaseFileError && /missing/.test(err.message));
      } finally {
        await reader.close();
      }
    } finally {
      await main.close();
    }
    // db status reads every record too: the missing file is reported there, the event log is not affected
    const status = await runCli(['db', 'status', '--cwd', root, '--json']);
    assert.equal(status.code, 1, status.stderr);
    assert.match(JSON.parse(status.stdout).memory.error, /blobs-[0-9a-f]{8}\.dat.*missing/);
  });

  it('bytes appended and never committed (a torn tail) are never read, and compaction drops them with the dead text', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`src/m${i}.ts`] = `export function handler${i}(request: Request) {\n  return route${i % 7}(request, ${i});\n}\n`;
    const root = tempWorkspace(files);
    const main = await openWorkspaceDatabase(root, { mode: 'write' });
    try {
      let memory = await openMemoryDatabase(main, { mode: 'write' });
      await indexWorkspace(root, new SqlMemoryStore(memory));
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 20; i++) files[`src/m${i}.ts`] = `export function handler${i}v${round}(request: Request) {\n  return route${i % 7}(request, ${i}, ${round});\n}\n`;
        writeFiles(root, files);
        await indexWorkspace(root, new SqlMemoryStore(memory));
      }
      const expected = held(new SqlMemoryStore(memory));
      await memory.close();
      const [first] = listBlobFiles(memoryDir(main));
      // a crash between an append and its transaction: a whole record and half of one, pointed at by nothing
      fs.appendFileSync(first!.path, Buffer.concat([Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('junk!'), Buffer.from([200, 0, 0])]));
      memory = await openMemoryDatabase(main, { mode: 'write' });
      try {
        const store = new SqlMemoryStore(memory);
        assert.deepEqual(held(store), expected);
        assert.deepEqual(await symbols(store, 'handler3v4'), ['handler3v4']);
      } finally {
        await memory.close();
      }
      // most of the file is dead (five re-indexes): a writer copies the live records to a new generation
      const before = fs.statSync(first!.path).size;
      memory = await openMemoryDatabase(main, { mode: 'write', compactBlobsAfterBytes: 1 });
      try {
        const [next, ...more] = listBlobFiles(memoryDir(main));
        assert.deepEqual(more, [], 'the old generation is gone once the image pointing at the new one is on disk');
        assert.notEqual(next!.generation, first!.generation);
        assert.ok(fs.statSync(next!.path).size < before / 3, `${fs.statSync(next!.path).size} bytes left of ${before}`);
        const store = new SqlMemoryStore(memory);
        assert.deepEqual(held(store), expected);
        assert.deepEqual(await symbols(store, 'handler3v4'), ['handler3v4']);
      } finally {
        await memory.close();
      }
      const reader = await readMemoryDatabase(databaseDir(root), 'test');
      try {
        assert.deepEqual(held(new SqlMemoryStore(reader)), expected);
      } finally {
        await reader.close();
      }
    } finally {
      await main.close();
    }
  });
});
