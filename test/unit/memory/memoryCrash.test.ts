// SIGKILLs while the memory index is written (test/fakes/crashIndexer.ts: every round rewrites and
// re-indexes every file, appending to the blob file, and its writer's open compacts the blob file once
// it is mostly dead). Whatever the moment, the next writer's open and a reader find every chunk of the
// last acknowledged round or of the one after it (an index is one transaction here), every text
// readable and matching its row, and the keyword index finding them: a torn append is never read,
// nothing is half-compacted.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { MemorySearch } from '../../../src/core/memory/memorySearch';
import { databaseDir } from '../../../src/storage/layout';
import { listBlobFiles } from '../../../src/storage/memoryBlobs';
import { memoryDir, openMemoryDatabase, readMemoryDatabase } from '../../../src/storage/memoryDatabase';
import { SqlMemoryStore } from '../../../src/storage/memoryStore';
import { openWorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import { CRASH_FILES, crashFileText } from '../../fakes/crashIndexer';

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

describe('memory index under SIGKILL (blob file appends, compaction)', () => {
  let indexerJs: string;

  before(async function () {
    this.timeout(120_000);
    const out = tmp('cc-crashindexer-');
    indexerJs = path.join(out, 'crashIndexer.js');
    await esbuild.build({ entryPoints: [path.resolve(__dirname, '../../fakes/crashIndexer.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: indexerJs, logLevel: 'silent', external: ['web-tree-sitter', '@vscode/tree-sitter-wasm'] });
    fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(out, 'sql-wasm.wasm'));
  });

  it('keeps the last acknowledged round or the next one, whole and readable, whenever the writer is killed', async function () {
    this.timeout(600_000);
    const root = tmp('cc-memkill-');
    fs.mkdirSync(path.join(root, 'src'));
    let next = 0;
    for (let kill = 0; kill < 6; kill++) {
      const child = spawn(process.execPath, [indexerJs, root, String(next)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_PATH: path.resolve(__dirname, '../../../node_modules') } });
      let out = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const deadline = Date.now() + 120_000;
      // past the first acknowledged round (the blob file exists), then a random moment
      while (!out.includes('acked') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, Math.random() * 1_500));
      child.kill('SIGKILL');
      const code = await exited;
      assert.ok(code === null, `the indexer stopped by itself: ${stderr}`);
      const acked = [...out.matchAll(/acked (\d+)/g)].map((m) => Number(m[1]));
      assert.ok(acked.length > 0, `no round acknowledged: ${stderr}`);
      const last = acked[acked.length - 1]!;

      const main = await openWorkspaceDatabase(root, { mode: 'write' });
      try {
        // a writer's open first (it may compact), then a reader of what it left on disk
        const writer = await openMemoryDatabase(main, { mode: 'write', compactBlobsAfterBytes: 1 });
        let round: number;
        try {
          round = check(new SqlMemoryStore(writer), last);
          assert.deepEqual(await symbolsOf(new SqlMemoryStore(writer), `handler7r${round}`), [`handler7r${round}`]);
        } finally {
          await writer.close();
        }
        assert.equal(listBlobFiles(memoryDir(main)).length, 1, 'one blob file: the current generation');
        const reader = await readMemoryDatabase(databaseDir(root), 'test');
        try {
          assert.equal(check(new SqlMemoryStore(reader), last), round);
        } finally {
          await reader.close();
        }
        next = round + 1;
      } finally {
        await main.close();
      }
    }
    fs.rmSync(root, { recursive: true, force: true });
  });
});

/** Every chunk is one file's text at the same round, last or last + 1; returns that round. */
function check(store: SqlMemoryStore, last: number): number {
  const chunks = store.chunks();
  assert.equal(chunks.length, CRASH_FILES);
  const rounds = new Set<number>();
  for (const c of chunks) {
    const m = /^src\/f(\d+)\.ts$/.exec(c.path);
    assert.ok(m, c.path);
    const round = Number(/handler\d+r(\d+)/.exec(c.symbol ?? '')?.[1]);
    assert.equal(c.text, crashFileText(Number(m[1]), round).trimEnd(), `${c.path}: its text matches its row`);
    rounds.add(round);
  }
  assert.equal(rounds.size, 1, `one round in the index: ${[...rounds].join(', ')}`);
  const [round] = [...rounds];
  assert.ok(round === last || round === last + 1, `round ${round}, last acknowledged ${last}`);
  return round!;
}

async function symbolsOf(store: SqlMemoryStore, query: string): Promise<(string | undefined)[]> {
  return (await MemorySearch.load(store).search(query, { limit: 3 })).hits.map((h) => h.chunk.symbol);
}
