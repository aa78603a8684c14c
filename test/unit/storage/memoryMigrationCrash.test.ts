// SIGKILLs while an old workspace database's memory index moves into its own database: whatever the
// moment, the next open ends with every chunk, file and vector in the memory database exactly once,
// none left in the event log, and every event kept.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { loadSqlJs } from '../../../src/storage/database';
import { databaseDir, LOCK_FILE, memoryDirOf, SNAPSHOT_FILE } from '../../../src/storage/layout';
import { SqlEventStore } from '../../../src/storage/sqlEventStore';
import { openWorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import { copyFixture, fixtureEvents, fixtureMemory, memoryRows, type MemoryRows } from './fixture';

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const CHUNKS = 12_000;

/** The v1 fixture with a larger memory index (so a kill can land inside the copy), as the v1 code would hold it. */
async function bigLegacyWorkspace(): Promise<string> {
  const root = copyFixture();
  const file = path.join(databaseDir(root), SNAPSHOT_FILE);
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(file));
  db.exec('BEGIN');
  const chunk = db.prepare('INSERT INTO memory_chunks (source, path, start_line, end_line, symbol, kind, content_hash, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const vector = db.prepare('INSERT INTO memory_vectors (content_hash, embedder, vector) VALUES (?, ?, ?)');
  for (let i = 0; i < CHUNKS; i++) {
    const p = `src/gen/file${Math.floor(i / 10)}.ts`;
    if (i % 10 === 0) db.run('INSERT INTO memory_files (path, content_hash, indexed_at) VALUES (?, ?, ?)', [p, `f${i}`, 1_700_000_000_000 + i]);
    const text = `export function generated${i}(page: number) {\n${'  return rows.slice(page * 20, page * 20 + 20);\n'.repeat(20)}}`;
    const hash = createHash('sha256').update(text).digest('hex');
    chunk.run(['file', p, (i % 10) * 30 + 1, (i % 10) * 30 + 22, `generated${i}`, 'function', hash, text]);
    if (i % 3 === 0) vector.run([hash, 'test:concepts', new Uint8Array(new Float32Array([i, 1, 2, 3]).buffer)]);
  }
  chunk.free();
  vector.free();
  db.exec('COMMIT');
  // the v1 code wrote no checksum beside its snapshot: none to update
  fs.writeFileSync(file, db.export());
  db.close();
  return root;
}

describe('memory index migration under SIGKILL', () => {
  let migratorJs: string;
  let legacy: string;
  let expected: MemoryRows;

  before(async function () {
    this.timeout(120_000);
    const out = tmp('cc-crashmigrator-');
    migratorJs = path.join(out, 'crashMigrator.js');
    await esbuild.build({ entryPoints: [path.resolve(__dirname, '../../fakes/crashMigrator.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: migratorJs, logLevel: 'silent' });
    fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(out, 'sql-wasm.wasm'));
    legacy = await bigLegacyWorkspace();
    expected = await fixtureMemory(path.join(databaseDir(legacy), SNAPSHOT_FILE));
    assert.equal(expected.chunks.length, CHUNKS + 19);
  });

  it('moves every memory row exactly once, whenever the move is killed', async function () {
    this.timeout(600_000); // eight children copying 12k chunks on a loaded 2-core machine
    const events = await fixtureEvents();
    const outcomes: string[] = [];
    for (let round = 0; round < 8; round++) {
      const root = tmp('cc-migkill-');
      fs.cpSync(legacy, root, { recursive: true });
      const child = spawn(process.execPath, [migratorJs, root], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // wait until the copy has started (the memory database's writer lock is taken), then a random moment
      const lock = path.join(memoryDirOf(databaseDir(root)), LOCK_FILE);
      const deadline = Date.now() + 120_000;
      while (!fs.existsSync(lock) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, Math.random() * (round < 6 ? 400 : 3_000)));
      child.kill('SIGKILL');
      const code = await exited;
      assert.ok(code === null || code === 0, `the migrator failed by itself: ${stderr}`);
      outcomes.push(out.includes('closed') ? 'finished' : out.includes('opened') ? 'after the move' : 'during the move');

      const db = await openWorkspaceDatabase(root, { mode: 'write' });
      try {
        assert.deepEqual(db.all("SELECT name FROM sqlite_master WHERE name LIKE 'memory_chunks' OR name LIKE 'memory_files' OR name LIKE 'memory_vectors'"), []);
        assert.deepEqual(await new SqlEventStore(db).readAll(1, 1_000_000), events);
      } finally {
        await db.close();
      }
      const rows = await memoryRows(root);
      assert.equal(rows.chunks.length, expected.chunks.length, `round ${round} (${outcomes[round]})`);
      assert.deepEqual(rows, expected, `round ${round} (${outcomes[round]})`);
      fs.rmSync(root, { recursive: true, force: true });
    }
    // the test means something only if some kills landed inside the move
    assert.ok(outcomes.includes('during the move'), `no kill landed during the move: ${outcomes.join(', ')}`);
  });
});
