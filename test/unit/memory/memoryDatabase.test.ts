// The memory index in its own database (.codecompanion/memory/), on real files: a decision is queued
// in the workspace database without loading (or even being able to read) the index, the next writer
// of the memory database takes the queue in exactly once, a loaded search is reused until something
// changes, and a damaged index is moved aside without touching the event log.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { indexMemory, loadedSearch, workspaceMemory } from '../../../src/app/memory';
import type { Database } from '../../../src/storage/database';
import { contentStamp, databaseDir, DatabaseFileError, memoryDirOf, SNAPSHOT_FILE } from '../../../src/storage/layout';
import { memoryDir, moveMemoryAside, openMemoryDatabase } from '../../../src/storage/memoryDatabase';
import { drainInbox } from '../../../src/storage/memoryInbox';
import { SqlMemoryStore } from '../../../src/storage/memoryStore';
import { SqlEventStore } from '../../../src/storage/sqlEventStore';
import { openWorkspaceDatabase, type WorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import { ConceptEmbedder, tempWorkspace, writeFiles } from './helpers';

const FILES = {
  'src/users.ts': '/** Lists users a page at a time. */\nexport function listUsers(page: number): User[] {\n  return users.slice(page * 20, page * 20 + 20);\n}\n',
  'src/billing.ts': '/** Sends the monthly invoice. */\nexport function sendInvoice(customer: Customer): Promise<void> {\n  return mailer.send(customer.email);\n}\n',
};

const decision = (patchId: string, reason: string) => ({
  runId: 'run-1',
  objective: 'paginate the users API',
  patchId,
  taskTitle: 'Paginate GET /users',
  summary: 'offset pagination',
  files: ['src/users.ts'],
  decision: 'reject' as const,
  reasons: [reason],
});

const count = (db: Database, table: string) => Number(db.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)[0]!.n);

async function indexed(): Promise<{ root: string; main: WorkspaceDatabase }> {
  const root = tempWorkspace(FILES);
  const main = await openWorkspaceDatabase(root, { mode: 'write' });
  await indexMemory(root, main);
  return { root, main };
}

async function withMemory<T>(main: WorkspaceDatabase, f: (memory: WorkspaceDatabase) => Promise<T> | T): Promise<T> {
  const memory = await openMemoryDatabase(main, { mode: 'read-only' });
  try {
    return await f(memory);
  } finally {
    await memory.close();
  }
}

describe('the memory index database', () => {
  it('opening the workspace and its event store creates and loads no memory database', async () => {
    const root = tempWorkspace(FILES);
    const main = await openWorkspaceDatabase(root, { mode: 'write' });
    try {
      await new SqlEventStore(main).append('run-1', [{ type: 'test.one', data: {} }]);
      const memory = workspaceMemory(main, undefined);
      assert.equal(memory.context, undefined, 'never indexed: no context, prompts unchanged');
      await memory.memory.rememberPatchDecision(decision('p1', 'use cursors'));
      assert.equal(fs.existsSync(memoryDir(main)), false);
      assert.equal(count(main, 'memory_inbox'), 1);
    } finally {
      await main.close();
    }
  });

  it('records decisions with an index present without ever reading it: a damaged index does not even notice', async () => {
    const { root, main } = await indexed();
    try {
      await main.close();
      const mainFiles = () => fs.readdirSync(databaseDir(root)).filter((f) => f !== 'memory').sort().map((f) => [f, fs.readFileSync(path.join(databaseDir(root), f)).toString('base64')]);
      // damage the index's snapshot: any read of it would fail
      const snapshot = path.join(memoryDirOf(databaseDir(root)), SNAPSHOT_FILE);
      const bytes = fs.readFileSync(snapshot);
      bytes.write('damaged!', 200);
      fs.writeFileSync(snapshot, bytes);
      const stamp = contentStamp(memoryDirOf(databaseDir(root)));

      const writer = await openWorkspaceDatabase(root, { mode: 'write' });
      try {
        const memory = workspaceMemory(writer, new ConceptEmbedder());
        assert.ok(memory.context, 'an index exists: runs get context (loaded at the first prompt)');
        await memory.memory.rememberPatchDecision(decision('p1', 'never use offsets'));
        await memory.memory.rememberPatchDecision(decision('p2', 'keep the page size'));
        assert.equal(count(writer, 'memory_inbox'), 2);
        assert.equal(count(writer, 'memory_inbox_vectors'), 2, 'their embeddings are queued too');
        assert.equal(contentStamp(memoryDirOf(databaseDir(root))), stamp, 'the index files were not touched');
        // a run's prompt asking for context: the broken index gives none (runDriver carries on)
        await assert.rejects(memory.context.contextFor({ objective: 'paginate', files: [] }), DatabaseFileError);
        await assert.rejects(loadedSearch(writer, undefined), (err: Error) => err instanceof DatabaseFileError && /db move-aside --memory --yes/.test(err.message));
      } finally {
        await writer.close();
      }
      const before = mainFiles();
      const moved = await moveMemoryAside(databaseDir(root));
      assert.ok(moved.length > 0 && moved.every((m) => m.includes(`${path.sep}memory${path.sep}`) && m.includes('.aside-')));
      assert.deepEqual(mainFiles(), before, 'moving the index aside leaves the event log byte for byte');

      // the queued decisions were never lost: a fresh index takes them in
      const again = await openWorkspaceDatabase(root, { mode: 'write' });
      try {
        const { search } = await loadedSearch(again, undefined);
        assert.equal(search.size, 2);
        assert.deepEqual((await search.search('never use offsets, keep the page size', { source: 'run' })).hits.map((h) => h.chunk.symbol).sort(), ['p1', 'p2']);
        assert.equal(count(again, 'memory_inbox'), 0, 'taken in by the writer that loaded the index');
        await withMemory(again, (memory) => {
          assert.equal(count(memory, 'memory_chunks'), 2);
          assert.equal(count(memory, 'memory_vectors'), 2);
        });
      } finally {
        await again.close();
      }
    } finally {
      await main.close();
    }
  });

  it('takes the queue in exactly once, even when killed between copying it and clearing it', async () => {
    const { main } = await indexed();
    try {
      const memory = workspaceMemory(main, undefined).memory;
      await memory.rememberPatchDecision(decision('p1', 'never use offsets'));
      await memory.rememberPatchDecision(decision('p1', 'never use offsets')); // a resumed run telling it again
      assert.equal(count(main, 'memory_inbox'), 1);
      const index = await openMemoryDatabase(main, { mode: 'write' }); // takes p1 in
      try {
        assert.equal(count(main, 'memory_inbox'), 0);
        await memory.rememberPatchDecision(decision('p1', 'never use offsets')); // told again after the drain
        await memory.rememberPatchDecision(decision('p2', 'keep the page size'));
        // the kill: the copy is durable in the index, the queue was never cleared
        const killed: Database = {
          readOnly: false,
          all: (sql, params) => main.all(sql, params),
          write: async (statements) => {
            if (statements[0]?.sql.startsWith('DELETE FROM memory_inbox')) throw new Error('killed');
            return main.write(statements);
          },
          close: async () => undefined,
        };
        await assert.rejects(drainInbox(killed, index), /killed/);
        assert.equal(count(main, 'memory_inbox'), 2);
        assert.equal(await drainInbox(main, index), 2);
        assert.equal(count(main, 'memory_inbox'), 0);
        const run = new SqlMemoryStore(index).chunks().filter((c) => c.source === 'run');
        assert.deepEqual(run.map((c) => c.symbol), ['p1', 'p2'], 'one copy each');
      } finally {
        await index.close();
      }
    } finally {
      await main.close();
    }
  });

  it('a search sees queued decisions next to the index, once each, before any writer took them in', async () => {
    const { root, main } = await indexed();
    try {
      const memory = workspaceMemory(main, undefined).memory;
      await memory.rememberPatchDecision(decision('p1', 'never use offsets'));
      await openMemoryDatabase(main, { mode: 'write' }).then((m) => m.close()); // p1 now in the index
      await memory.rememberPatchDecision(decision('p1', 'never use offsets'));
      await memory.rememberPatchDecision(decision('p2', 'cursor pagination only'));
      await main.close();
      // a second window: the workspace database read-only, so nothing is taken in
      const reader = await openWorkspaceDatabase(root, { mode: 'read-only' });
      try {
        const { search, files } = await loadedSearch(reader, undefined);
        assert.equal(files, 2);
        const run = (await search.search('never use offsets, cursor pagination only', { source: 'run' })).hits;
        assert.deepEqual(run.map((h) => h.chunk.symbol).sort(), ['p1', 'p2'], 'the queued copy of p1, already in the index, is not seen twice');
        const hit = (await search.search('cursor pagination', { source: 'run' })).hits[0]!;
        assert.equal(hit.chunk.symbol, 'p2');
        assert.equal(count(reader, 'memory_inbox'), 2, 'a reader takes nothing in');
      } finally {
        await reader.close();
      }
    } finally {
      await main.close();
    }
  });

  it('keeps one search between queries, which sees what is queued or indexed since', async () => {
    const { root, main } = await indexed();
    try {
      const first = await loadedSearch(main, undefined);
      assert.equal(await loadedSearch(main, undefined), first, 'unchanged: the same search, nothing reloaded');
      await workspaceMemory(main, undefined).memory.rememberPatchDecision(decision('p1', 'never use offsets'));
      assert.equal(await loadedSearch(main, undefined), first, 'taking the queue in: still the same search');
      assert.equal(count(main, 'memory_inbox'), 0, 'taken in');
      assert.ok((await first.search.search('never use offsets', { source: 'run' })).hits.some((h) => h.chunk.symbol === 'p1'));
      writeFiles(root, { 'src/orders.ts': '/** Lists orders by cursor. */\nexport function listOrders(cursor: string) {\n  return orders.after(cursor);\n}\n' });
      await indexMemory(root, main);
      assert.equal(await loadedSearch(main, undefined), first);
      assert.equal((await first.search.search('list orders after cursor')).hits[0]?.chunk.symbol, 'listOrders');
      assert.equal(await loadedSearch(main, new ConceptEmbedder()) === first, false, 'another embedder, another search');
    } finally {
      await main.close();
    }
  });
});
