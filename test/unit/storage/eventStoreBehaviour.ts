// The contract every EventStore keeps, run against each implementation.
import { strict as assert } from 'node:assert';
import { ConcurrencyError, type EventStore } from '../../../src/core/ports/eventStore';

export function eventStoreBehaviour(name: string, open: () => Promise<{ store: EventStore; reopen?: () => Promise<EventStore> }>): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let reopen: (() => Promise<EventStore>) | undefined;
    beforeEach(async () => ({ store, reopen } = await open()));
    afterEach(async () => store.close());

    it('numbers events per run from 1 and globally in append order', async () => {
      const a = await store.append('run-a', [{ type: 'run.started', data: { objective: 'x' } }, { type: 'plan.proposed', data: { tasks: 2 } }]);
      const b = await store.append('run-b', [{ type: 'run.started', data: {} }]);
      const c = await store.append('run-a', [{ type: 'run.completed', data: {} }]);
      assert.deepEqual(a.map((e) => [e.seq, e.globalSeq]), [[1, 1], [2, 2]]);
      assert.deepEqual(b.map((e) => [e.seq, e.globalSeq]), [[1, 3]]);
      assert.deepEqual(c.map((e) => [e.seq, e.globalSeq]), [[3, 4]]);
    });

    it('reads a run from a sequence and the whole log from a global sequence', async () => {
      await store.append('r1', [1, 2, 3].map((n) => ({ type: 't', data: { n } })));
      await store.append('r2', [{ type: 'u', data: { n: 9 } }]);
      assert.deepEqual((await store.readRun('r1', 2)).map((e) => (e.data as { n: number }).n), [2, 3]);
      assert.deepEqual((await store.readAll(3, 2)).map((e) => [e.runId, e.seq]), [['r1', 3], ['r2', 1]]);
      assert.deepEqual(await store.readRun('nope'), []);
    });

    it('reads a page of a run: at most `limit` events from a sequence, in order', async () => {
      await store.append('r1', [1, 2, 3, 4, 5].map((n) => ({ type: 't', data: { n } })));
      await store.append('r2', [{ type: 'u', data: { n: 9 } }]);
      const ns = async (from: number, limit: number) => (await store.readRun('r1', from, limit)).map((e) => (e.data as { n: number }).n);
      assert.deepEqual(await ns(1, 2), [1, 2]);
      assert.deepEqual(await ns(3, 2), [3, 4]);
      assert.deepEqual(await ns(4, 10), [4, 5]);
      assert.deepEqual(await ns(1, 0), []);
    });

    it('keeps data as given (nested JSON, unicode) and stamps a time when none is given', async () => {
      const data = { text: 'naïve “quotes” 🚀', nested: { list: [1, null, true], empty: {} } };
      const [e] = await store.append('r', [{ type: 't', data }]);
      assert.ok(e!.ts > 0);
      assert.deepEqual((await store.readRun('r'))[0]!.data, data);
    });

    it('rejects an append whose expected sequence is stale, appending nothing', async () => {
      await store.append('r', [{ type: 'a', data: {} }], { expectedSeq: 0 });
      await assert.rejects(store.append('r', [{ type: 'b', data: {} }], { expectedSeq: 0 }), ConcurrencyError);
      assert.equal((await store.readRun('r')).length, 1);
      await store.append('r', [{ type: 'b', data: {} }], { expectedSeq: 1 });
      assert.equal((await store.readRun('r')).length, 2);
    });

    it('gives concurrent appends distinct, gap-free sequences', async () => {
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.append(`r${i % 3}`, [{ type: 't', data: { i } }])));
      const all = await store.readAll();
      assert.deepEqual(all.map((e) => e.globalSeq), Array.from({ length: 50 }, (_, i) => i + 1));
      for (const r of ['r0', 'r1', 'r2']) {
        const seqs = (await store.readRun(r)).map((e) => e.seq);
        assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
      }
    });

    it('tells subscribers about each durable event once, in order, filtered by run', async () => {
      const seen: string[] = [];
      const onlyB: number[] = [];
      const sub = store.subscribe((e) => seen.push(`${e.runId}:${e.seq}`));
      const subB = store.subscribe((e) => onlyB.push(e.seq), { runId: 'b' });
      await Promise.all([store.append('a', [{ type: 't', data: {} }]), store.append('b', [{ type: 't', data: {} }, { type: 't', data: {} }])]);
      sub.dispose();
      await store.append('a', [{ type: 't', data: {} }]);
      assert.deepEqual(seen, ['a:1', 'b:1', 'b:2']);
      assert.deepEqual(onlyB, [1, 2]);
      subB.dispose();
    });

    it('lists runs with their counts and last event type', async () => {
      await store.append('r1', [{ type: 'run.started', data: {}, ts: 1000 }]);
      await store.append('r2', [{ type: 'run.started', data: {}, ts: 2000 }, { type: 'run.completed', data: {}, ts: 3000 }]);
      const runs = await store.listRuns();
      assert.deepEqual(runs.map((r) => [r.runId, r.eventCount, r.lastType, r.createdAt, r.updatedAt]), [
        ['r2', 2, 'run.completed', 2000, 3000],
        ['r1', 1, 'run.started', 1000, 1000],
      ]);
    });

    it('finds every event again after a reopen', async function () {
      if (!reopen) this.skip();
      await store.append('r', [{ type: 'a', data: { v: 1 } }, { type: 'b', data: { v: 2 } }]);
      await store.close();
      store = await reopen!();
      assert.deepEqual((await store.readRun('r')).map((e) => [e.seq, e.type, e.data]), [[1, 'a', { v: 1 }], [2, 'b', { v: 2 }]]);
      const [next] = await store.append('r', [{ type: 'c', data: {} }]);
      assert.equal(next!.seq, 3);
    });
  });
}
