// The database's promises under crashes, torn writes, bad files and a second process.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { openWorkspaceDatabase, openDatabaseAt, moveDatabaseAside } from '../../../src/storage/workspaceDatabase';
import { JOURNAL_MAGIC } from '../../../src/storage/journal';
import { databaseDir, DatabaseFileError, SNAPSHOT_FILE, listJournals, journalFileName, tornCopies } from '../../../src/storage/layout';
import { SqlEventStore } from '../../../src/storage/sqlEventStore';
import { LockedError } from '../../../src/storage/lock';
import { loadSqlJs } from '../../../src/storage/database';
import { SCHEMA_VERSION } from '../../../src/storage/migrations';
import { PROJECTIONS } from '../../../src/storage/projections';
import { expandStreams } from '../../fakes/streams';
import { fixtureEvents } from './fixture';

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
let writerJs: string;
let runWriterJs: string;

before(async () => {
  // Bundled once so each child starts in tens of milliseconds (the crash loop spawns dozens).
  const out = tmp('cc-crashwriter-');
  writerJs = path.join(out, 'crashWriter.js');
  await esbuild.build({ entryPoints: [path.resolve(__dirname, '../../fakes/crashWriter.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: writerJs, logLevel: 'silent' });
  runWriterJs = path.join(out, 'crashRunWriter.js');
  await esbuild.build({ entryPoints: [path.resolve(__dirname, '../../fakes/crashRunWriter.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: runWriterJs, logLevel: 'silent' });
  fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(out, 'sql-wasm.wasm'));
});

function startWriter(args: string[], js = writerJs): { child: ChildProcess; acks: Set<string>; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [js, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acks = new Set<string>();
  const lines: string[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      if (line.startsWith('ack ')) acks.add(line.slice(4));
    }
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => {
    if (stderr) lines.push(`stderr: ${stderr.trim()}`);
    resolve(code);
  }));
  return { child, acks, lines, exited };
}

async function eventKeys(root: string): Promise<Set<string>> {
  const db = await openWorkspaceDatabase(root, { mode: 'write' });
  const keys = new Set(db.all<{ run_id: string; seq: number }>('SELECT run_id, seq FROM events').map((r) => `${r.run_id} ${r.seq}`));
  await db.close();
  return keys;
}

const ACKS_BEFORE_KILL = 10;

describe('workspace database durability', () => {
  it('keeps every acknowledged event through 50 SIGKILLs at random moments', async function () {
    this.timeout(400_000); // 50 child processes on a loaded 2-core machine
    const root = tmp('cc-crash-');
    const acked = new Set<string>();
    for (let round = 0; round < 50; round++) {
      const w = startWriter([root, `run-${round % 5}`, '100000', String(1 + (round % 8))]);
      // Wait for a few acks so the kill lands mid-append (however slow a loaded machine makes the
      // writer), then a random extra delay.
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (w.acks.size >= ACKS_BEFORE_KILL || w.child.exitCode !== null) {
            clearInterval(timer);
            resolve();
          }
        }, 2);
      });
      await new Promise((r) => setTimeout(r, Math.random() * 120));
      w.child.kill('SIGKILL');
      await w.exited;
      assert.ok(w.acks.size >= ACKS_BEFORE_KILL, `round ${round}: the writer acknowledged ${w.acks.size} events before it was killed: ${w.lines.join(' | ')}`);
      for (const a of w.acks) acked.add(a);
    }
    const found = await eventKeys(root);
    const missing = [...acked].filter((k) => !found.has(k));
    assert.deepEqual(missing, [], `${missing.length} of ${acked.size} acknowledged events lost`);
    // every run's sequence is gap-free: nothing half-applied
    for (let r = 0; r < 5; r++) {
      const seqs = [...found].filter((k) => k.startsWith(`run-${r} `)).map((k) => Number(k.split(' ')[1])).sort((a, b) => a - b);
      assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
    }
    assert.ok(acked.size >= 50 * ACKS_BEFORE_KILL, `only ${acked.size} acks over 50 rounds`);
  });

  it('keeps every acknowledged event and projection update through SIGKILLs during appends, projection writes, archives and compactions', async function () {
    this.timeout(400_000);
    const root = tmp('cc-crash-runs-');
    const all = await fixtureEvents();
    const completedId = all.find((e) => e.type === 'run.completed')!.runId;
    const template = expandStreams(all.filter((e) => e.runId === completedId), 8);
    const eventsFile = path.join(root, 'events.json');
    fs.writeFileSync(eventsFile, JSON.stringify(template));
    const acked = new Map<string, number>(); // run → highest acknowledged seq
    const compacted = new Set<string>();
    for (let round = 0; round < 20; round++) {
      const w = startWriter([root, `w${round}`, eventsFile], runWriterJs);
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (w.acks.size > 0 || w.child.exitCode !== null) {
            clearInterval(timer);
            resolve();
          }
        }, 2);
      });
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 1500));
      w.child.kill('SIGKILL');
      await w.exited;
      assert.ok(w.acks.size > 0, `round ${round}: nothing acknowledged: ${w.lines.join(' | ')}`);
      for (const a of w.acks) {
        const [run, seq] = a.split(' ') as [string, string];
        acked.set(run, Math.max(acked.get(run) ?? 0, Number(seq)));
      }
      for (const l of w.lines) if (l.startsWith('compacted ')) compacted.add(l.slice(10));
    }
    assert.ok(compacted.size > 0, 'some compactions finished');
    const db = await openWorkspaceDatabase(root, { mode: 'write' });
    const store = new SqlEventStore(db);
    const tables = (d: typeof db) => Object.fromEntries(PROJECTIONS.flatMap((p) => p.tables).map((t) => [t, d.all(`SELECT * FROM ${t}`).map((r) => JSON.stringify(r)).sort()]));
    let incremental: ReturnType<typeof tables>;
    try {
      const expected = template.map((e, i) => ({ seq: i + 1, ...e }));
      for (const [run, last] of acked) {
        const stored = await store.readRun(run);
        const bySeq = new Map(stored.map((e) => [e.seq, e]));
        const isCompacted = db.all('SELECT 1 FROM compactions WHERE run_id = ?', [run]).length > 0;
        if (compacted.has(run)) assert.ok(isCompacted, `${run}: an acknowledged compaction was lost`);
        if (isCompacted) assert.equal(db.all('SELECT 1 FROM run_archives WHERE run_id = ?', [run]).length, 1, `${run}: compacted, yet not archived`);
        // the event appended to the run after its archive (as a review decision is) is read after it
        if (last > template.length) assert.equal(bySeq.get(template.length + 1)?.type, 'run.traced', `${run}: the event appended after the archive was lost`);
        for (const e of expected.slice(0, last)) {
          const got = bySeq.get(e.seq);
          if (e.type === 'agent.call.streamed' && isCompacted) continue; // checked whole below
          assert.ok(got, `${run} seq ${e.seq} (${e.type}) acknowledged, then lost`);
          assert.deepEqual([got.type, got.data], [e.type, e.data]);
        }
        if (isCompacted) {
          const text = (events: readonly { type: string; data: unknown }[]) => {
            const byCall = new Map<string, string>();
            for (const e of events) if (e.type === 'agent.call.streamed') { const d = e.data as { callId: string; text: string }; byCall.set(d.callId, (byCall.get(d.callId) ?? '') + d.text); }
            return byCall;
          };
          assert.deepEqual(text(stored), text(expected), `${run}: compaction kept every streamed character`);
        }
      }
      // every projection equals a rebuild from the events that are there: never ahead, never behind
      incremental = tables(db);
      assert.ok((incremental.run_summaries ?? []).length >= acked.size);
      await store.db.write([{ sql: 'DELETE FROM cc_projections' }]);
    } finally {
      await store.close();
    }
    const rebuilt = await openWorkspaceDatabase(root, { mode: 'write' });
    try {
      assert.equal(rebuilt.recovery.rebuiltProjections?.length, PROJECTIONS.length);
      assert.deepEqual(tables(rebuilt), incremental);
    } finally {
      await rebuilt.close();
    }
  });

  it('cuts a torn or garbled journal tail and keeps everything before it', async () => {
    for (const damage of ['truncate-mid-record', 'truncate-mid-header', 'flip-payload-byte', 'append-garbage']) {
      const root = tmp('cc-torn-');
      const db = await openWorkspaceDatabase(root, { mode: 'write' });
      const store = new SqlEventStore(db);
      for (let i = 1; i <= 10; i++) await store.append('r', [{ type: 't', data: { i } }]);
      // simulate a crash: no close (close would snapshot and empty the journal)
      const journal = listJournals(databaseDir(root)).at(-1)!.path;
      const buf = fs.readFileSync(journal);
      const lastRecordStart = findLastRecordStart(buf);
      let damaged: Buffer;
      if (damage === 'truncate-mid-record') damaged = buf.subarray(0, buf.length - 5);
      else if (damage === 'truncate-mid-header') damaged = buf.subarray(0, lastRecordStart + 3);
      else if (damage === 'flip-payload-byte') {
        damaged = Buffer.from(buf);
        damaged[lastRecordStart + 12]! ^= 0xff;
      } else damaged = Buffer.concat([buf, Buffer.from([0x10, 0, 0, 0, 1, 2, 3, 4, 5])]);
      forceUnlock(root);
      fs.writeFileSync(journal, damaged);
      const reopened = await openWorkspaceDatabase(root, { mode: 'write' });
      const seqs = reopened.all<{ seq: number }>('SELECT seq FROM events ORDER BY seq').map((r) => r.seq);
      const expected = damage === 'append-garbage' ? 10 : 9;
      assert.deepEqual(seqs, Array.from({ length: expected }, (_, i) => i + 1), damage);
      assert.ok(reopened.recovery.tornBytes > 0, damage);
      // the damaged file is kept aside as it was, never deleted
      const kept = reopened.recovery.tornKeptAs ?? [];
      assert.equal(kept.length, 1, damage);
      assert.ok(fs.readFileSync(kept[0]!).equals(damaged), damage);
      assert.deepEqual(tornCopies(databaseDir(root)), kept);
      // the cut journal accepts new appends after the good records
      const s2 = new SqlEventStore(reopened);
      await s2.append('r', [{ type: 't', data: { after: true } }]);
      await s2.close();
      assert.equal((await eventKeys(root)).size, expected + 1, damage);
    }
  });

  it('migrates a database from an older schema version and keeps its data', async () => {
    const root = tmp('cc-migrate-');
    const dir = databaseDir(root);
    fs.mkdirSync(dir, { recursive: true });
    // A version-0 file: our application id, a table of its own, no schema yet.
    const SQL = await loadSqlJs();
    const old = new SQL.Database();
    old.exec(`PRAGMA application_id = ${0x43436d70}; CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('kept');`);
    fs.writeFileSync(path.join(dir, SNAPSHOT_FILE), old.export());
    old.close();
    const db = await openWorkspaceDatabase(root, { mode: 'write' });
    assert.equal(db.recovery.migratedFrom, 0);
    assert.equal(db.all<{ user_version: number }>('PRAGMA user_version')[0]!.user_version, SCHEMA_VERSION);
    assert.deepEqual(db.all('SELECT body FROM notes'), [{ body: 'kept' }]);
    await new SqlEventStore(db).append('r', [{ type: 't', data: {} }]);
    await db.close();
    // the migration itself was made durable: a reopen does not migrate again
    const again = await openWorkspaceDatabase(root, { mode: 'write' });
    assert.equal(again.recovery.migratedFrom, undefined);
    assert.equal(again.all('SELECT * FROM events').length, 1);
    await again.close();
  });

  it('refuses a foreign or corrupt file, leaves it byte-identical, and moves it aside only when asked', async () => {
    const cases: Record<string, Buffer> = {
      'plain text': Buffer.from('this is my notes file, not a database\n'.repeat(10)),
      'truncated sqlite': Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(200, 7)]),
    };
    const SQL = await loadSqlJs();
    const foreign = new SQL.Database();
    foreign.exec('CREATE TABLE customers (name TEXT); INSERT INTO customers VALUES (\'acme\')');
    cases['another app’s sqlite'] = Buffer.from(foreign.export());
    for (const [name, bytes] of Object.entries(cases)) {
      const root = tmp('cc-foreign-');
      const dir = databaseDir(root);
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, SNAPSHOT_FILE);
      fs.writeFileSync(file, bytes);
      await assert.rejects(openWorkspaceDatabase(root, { mode: 'write' }), (err: unknown) => {
        assert.ok(err instanceof DatabaseFileError, name);
        assert.match((err as Error).message, /left untouched/);
        return true;
      });
      assert.ok(fs.readFileSync(file).equals(bytes), `${name}: file changed`);
      assert.equal(fs.existsSync(path.join(dir, 'writer.lock')), false, `${name}: lock left behind`);
      const moved = await moveDatabaseAside(dir);
      assert.equal(moved.length, 1);
      assert.ok(fs.readFileSync(moved[0]!).equals(bytes));
      const fresh = await openWorkspaceDatabase(root, { mode: 'write' });
      await fresh.close();
    }
    const root = tmp('cc-foreign-journal-');
    fs.mkdirSync(databaseDir(root), { recursive: true });
    fs.writeFileSync(path.join(databaseDir(root), journalFileName(1)), 'random bytes that are not a journal');
    await assert.rejects(openWorkspaceDatabase(root, { mode: 'write' }), DatabaseFileError);
  });

  it('makes a second writer wait for the first, and both writers’ events survive intact', async function () {
    this.timeout(60_000);
    const root = tmp('cc-two-');
    const a = startWriter([root, 'run-a', '300', '4', '30000']);
    const b = startWriter([root, 'run-b', '300', '4', '30000']);
    const [ca, cb] = await Promise.all([a.exited, b.exited]);
    assert.equal(ca, 0, a.lines.join('\n'));
    assert.equal(cb, 0, b.lines.join('\n'));
    const keys = await eventKeys(root);
    assert.equal(keys.size, 600);
    for (const k of [...a.acks, ...b.acks]) assert.ok(keys.has(k), k);
  });

  it('opens read-only beside a live writer, with a clear message, and follows its new events', async () => {
    const root = tmp('cc-ro-');
    const writer = await openWorkspaceDatabase(root, { mode: 'write', purpose: 'VS Code window' });
    const store = new SqlEventStore(writer);
    await store.append('r', [{ type: 'a', data: {} }]);
    await assert.rejects(openWorkspaceDatabase(root, { mode: 'write', lockTimeoutMs: 100 }), (err: unknown) => {
      assert.ok(err instanceof LockedError);
      assert.match((err as Error).message, /in use by another CodeCompanion process \(pid \d+ .*VS Code window/);
      return true;
    });
    const reader = await openWorkspaceDatabase(root, { mode: 'auto', lockTimeoutMs: 100 });
    assert.equal(reader.readOnly, true);
    assert.equal(reader.all('SELECT * FROM events').length, 1);
    await assert.rejects(reader.write([{ sql: 'DELETE FROM events' }]), /read-only/);
    await store.append('r', [{ type: 'b', data: {} }, { type: 'c', data: {} }]);
    assert.equal(await reader.refresh(), 1);
    assert.equal(reader.all('SELECT * FROM events').length, 3);
    await writer.checkpoint(); // the writer snapshots and empties its journal: the reader reloads
    await store.append('r', [{ type: 'd', data: {} }]);
    await reader.refresh();
    assert.deepEqual(reader.all<{ type: string }>('SELECT type FROM events ORDER BY seq').map((r) => r.type), ['a', 'b', 'c', 'd']);
    await reader.close();
    await store.close();
  });

  it('a journal generation created and killed before its magic was written (an empty file) is written from its start at the next open', async () => {
    const root = tmp('cc-empty-journal-');
    const first = new SqlEventStore(await openWorkspaceDatabase(root, { mode: 'write' }));
    await first.append('r', [{ type: 'a', data: {} }]);
    await first.close();
    const next = listJournals(databaseDir(root)).at(-1)!.generation + 1;
    fs.writeFileSync(path.join(databaseDir(root), journalFileName(next)), ''); // the kill fell between open and write
    const second = new SqlEventStore(await openWorkspaceDatabase(root, { mode: 'write' }));
    await second.append('r', [{ type: 'b', data: {} }]);
    forceUnlock(root);
    const reopened = new SqlEventStore(await openDatabaseAt(databaseDir(root), { mode: 'write' }));
    assert.deepEqual((await reopened.readRun('r')).map((e) => e.type), ['a', 'b']);
    await reopened.close();
    await second.close().catch(() => undefined);
  });

  it('rolls back a write whose SQL fails and journals nothing of it', async () => {
    const root = tmp('cc-badsql-');
    const db = await openWorkspaceDatabase(root, { mode: 'write' });
    await db.write([{ sql: 'INSERT INTO artifacts VALUES (?, ?, ?, ?, ?)', params: ['a1', 'r', 'SpecDoc', 1, '{}'] }]);
    await assert.rejects(db.write([
      { sql: 'INSERT INTO artifacts VALUES (?, ?, ?, ?, ?)', params: ['a2', 'r', 'SpecDoc', 1, '{}'] },
      { sql: 'INSERT INTO artifacts VALUES (?, ?, ?, ?, ?)', params: ['a1', 'r', 'dup', 1, '{}'] },
    ]));
    await db.write([{ sql: 'INSERT INTO artifacts VALUES (?, ?, ?, ?, ?)', params: ['a3', 'r', 'SpecDoc', 1, '{}'] }]);
    forceUnlock(root); // reopen as after a crash: journal replay alone must give the same state
    const again = await openDatabaseAt(databaseDir(root), { mode: 'write' });
    assert.deepEqual(again.all<{ artifact_id: string }>('SELECT artifact_id FROM artifacts ORDER BY 1').map((r) => r.artifact_id), ['a1', 'a3']);
    await again.close();
  });
});

function forceUnlock(root: string): void {
  fs.rmSync(path.join(databaseDir(root), 'writer.lock'), { force: true });
}

function findLastRecordStart(buf: Buffer): number {
  // frames: 'CCF1' magic (4 bytes), payload length (u32 LE), crc32 (u32 LE), payload
  let pos = JOURNAL_MAGIC.length;
  let last = pos;
  while (pos + 12 <= buf.length) {
    const len = buf.readUInt32LE(pos + 4);
    if (pos + 12 + len > buf.length) break;
    last = pos;
    pos += 12 + len;
  }
  return last;
}
