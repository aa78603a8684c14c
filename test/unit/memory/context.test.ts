import { strict as assert } from 'node:assert';
import { countTokens } from 'gpt-tokenizer';
import { MemoryContextProvider } from '../../../src/core/memory/contextBuilder';
import { indexWorkspace } from '../../../src/core/memory/indexer';
import { MemorySearch } from '../../../src/core/memory/memorySearch';
import { RunMemory } from '../../../src/core/memory/runMemory';
import { initialRunState, type RunState } from '../../../src/core/orchestrator/runState';
import { openMemory, tempWorkspace } from './helpers';

function files(): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < 30; i++) {
    out[`src/users/handler${i}.ts`] = `/** Lists users page ${i} with pagination. */\nexport function listUsers${i}(page: number, pageSize: number) {\n${'  const users = db.users.slice(page * pageSize, (page + 1) * pageSize);\n'.repeat(6)}  return users;\n}\n`;
  }
  out['src/orders.ts'] = '/** Paginates orders by cursor. */\nexport function listOrders(cursor: string) {\n  return db.orders.after(cursor);\n}\n';
  return out;
}

describe('memory context and run memory', () => {
  it('remembers patch decisions with their reasons and finds rejections for a similar objective', async () => {
    const root = tempWorkspace({ 'a.ts': 'export const a = 1;\n' });
    const { db, store } = await openMemory(root);
    try {
      const memory = new RunMemory(store);
      const decision = {
        runId: 'run-1',
        objective: 'add pagination to the users API',
        patchId: 't1.r1',
        taskTitle: 'Paginate GET /users',
        summary: 'offset pagination',
        files: ['src/users.ts'],
        decision: 'reject' as const,
        reasons: ['use cursor pagination, never offsets: offsets skip rows under concurrent inserts'],
      };
      await memory.rememberPatchDecision(decision);
      await memory.rememberPatchDecision(decision); // a resumed run telling it again
      await memory.rememberPatchDecision({ ...decision, patchId: 't1.r2', summary: 'cursor pagination', decision: 'accept', reasons: [] });
      const state: RunState = { ...initialRunState('run-1'), status: 'completed', objective: 'add pagination to the users API' };
      await memory.rememberRun(state);
      const runChunks = store.chunks().filter((c) => c.source === 'run');
      assert.deepEqual(runChunks.map((c) => c.kind), ['patch-reject', 'patch-accept', 'run-summary']);
      const hits = (await MemorySearch.load(store).search('paginate the orders endpoint', { source: 'run' })).hits;
      assert.ok(hits.length >= 2);
      const rejected = hits.find((h) => h.chunk.kind === 'patch-reject')!;
      assert.match(rejected.chunk.text, /Reasons:\n- use cursor pagination, never offsets/);
      assert.equal(rejected.chunk.path, 'run-1');
    } finally {
      await db.close();
    }
  });

  it('builds context within the token budget, objective part first and shared by every task, shown files left out', async () => {
    const root = tempWorkspace(files());
    const { db, store } = await openMemory(root);
    try {
      await indexWorkspace(root, store);
      await new RunMemory(store).rememberPatchDecision({
        runId: 'run-0',
        objective: 'paginate users',
        patchId: 't1.r1',
        taskTitle: 'Paginate users',
        summary: 'offsets',
        files: ['src/users/handler1.ts'],
        decision: 'reject',
        reasons: ['the user wants cursor pagination'],
      });
      const provider = new MemoryContextProvider(MemorySearch.load(store), { budgetTokens: 600 });
      const objective = 'add pagination to list users';
      const planner = await provider.contextFor({ objective, files: [] });
      const taskA = await provider.contextFor({ objective, taskDescription: 'paginate orders by cursor', files: ['src/users/handler3.ts'] });
      const taskB = await provider.contextFor({ objective, taskDescription: 'paginate orders by cursor', files: ['src/users/handler3.ts'] });
      assert.ok(countTokens(planner) <= 600 && countTokens(taskA) <= 600, `${countTokens(planner)} / ${countTokens(taskA)} tokens`);
      assert.match(planner, /^Earlier runs in this workspace[^\n]*\n- Patch rejected: Paginate users/);
      assert.match(planner, /the user wants cursor pagination/);
      assert.ok(planner.includes('--- src/users/handler'), 'related code follows the lessons');
      assert.equal(taskA, taskB, 'deterministic for the same call');
      assert.ok(!taskA.includes('--- src/users/handler3.ts'), 'a file the prompt shows in full is not repeated');
      assert.ok(taskA.includes('--- src/orders.ts:1-4 (listOrders)'), 'the task part brings the task-specific chunk');
      // the stable (objective) part opens every task's context, so prompt caches can share it
      const other = await provider.contextFor({ objective, taskDescription: 'rename the handler tests', files: ['src/users/handler3.ts'] });
      const stable = taskA.slice(0, taskA.indexOf('--- src/orders.ts'));
      assert.ok(stable.length > 100 && other.startsWith(stable.trimEnd()));
    } finally {
      await db.close();
    }
  });

  it('gives no context when nothing is indexed', async () => {
    const root = tempWorkspace({});
    const { db, store } = await openMemory(root);
    try {
      assert.equal(await new MemoryContextProvider(MemorySearch.load(store)).contextFor({ objective: 'anything', files: [] }), '');
    } finally {
      await db.close();
    }
  });
});
