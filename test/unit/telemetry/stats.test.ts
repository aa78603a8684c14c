// codecompanion stats on a seeded history (real runs through the CLI and the real SDKs against the
// fake vendors, one of them failing) equals a direct, independent fold of the stored events.
import { strict as assert } from 'node:assert';
import { runCli } from '../../helpers/cliRunner';
import { fakeEnv, jsonLines, sampleTeamServer, sampleWorkspace } from '../orchestrator/helpers';
import type { RecordedEvent } from '../../../src/core/events';

const OBJECTIVE = 'add pagination to the users API';

function expected(events: readonly RecordedEvent[], since: number) {
  const role = new Map<string, string>();
  for (const e of events) if (e.type === 'agent.call.started') role.set(`${e.runId}/${e.data.callId}`, e.data.role);
  const taskRole = new Map<string, string>();
  for (const e of events) if (e.type === 'task.routed' && (e.data.role === 'coder' || e.data.role === 'tester')) taskRole.set(`${e.runId}/${e.data.taskId}`, e.data.role);
  const author = new Map<string, string>();
  for (const e of events) if (e.type === 'patch.proposed') author.set(`${e.runId}/${e.data.patchId}`, `${e.data.provider}/${e.data.model}/${taskRole.get(`${e.runId}/${e.data.taskId}`)}`);
  const inWindow = events.filter((e) => e.ts >= since);
  const calls = inWindow.flatMap((e) => (e.type === 'agent.call.finished' || e.type === 'agent.call.failed' ? [{ key: `${e.data.provider}/${e.data.model}/${role.get(`${e.runId}/${e.data.callId}`)}`, e }] : []));
  const routes = inWindow.flatMap((e) => (e.type === 'task.routed' && e.data.reason !== 'back to its author' && e.data.reason !== 'resumed' ? [e] : []));
  const keys = new Set([...calls.map((c) => c.key), ...routes.map((r) => `${r.data.provider}/${r.data.model}/${r.data.role}`)]);
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const mine = calls.filter((c) => c.key === key);
    const ms = mine.map((c) => c.e.data.durationMs).sort((a, b) => a - b);
    const rank = (p: number) => (ms.length ? ms[Math.ceil(p * ms.length) - 1] : null);
    const failures: Record<string, number> = {};
    for (const c of mine) {
      const kind = c.e.type === 'agent.call.failed' ? c.e.data.kind : c.e.data.outcome === 'invalid' ? 'invalid_output' : null;
      if (kind) failures[kind] = (failures[kind] ?? 0) + 1;
    }
    const scores = inWindow.flatMap((e) => (e.type === 'review.verdict' && author.get(`${e.runId}/${e.data.patchId}`) === key ? [e.data.score] : []));
    const r = key.split('/')[2];
    const forRole = routes.filter((x) => x.data.role === r);
    out[key] = {
      calls: mine.length,
      failures,
      p50Ms: rank(0.5),
      p95Ms: rank(0.95),
      costUsd: mine.reduce((n, c) => n + (c.e.data.costUsd ?? 0), 0),
      reviewScore: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
      routerShare: forRole.length ? forRole.filter((x) => `${x.data.provider}/${x.data.model}/${x.data.role}` === key).length / forRole.length : null,
    };
  }
  return out;
}

describe('stats: per model and role over a window', function () {
  this.timeout(120_000);
  const server = sampleTeamServer();

  it('equals a direct fold of the events, over all history and over --since', async () => {
    const root = sampleWorkspace();
    const env = fakeEnv(server());
    // the first run's planner gets a 400 (not retried): a failed call, a failed run
    server().enqueue({ fault: 'http', status: 400, message: 'bad request' });
    const first = await runCli(['run', OBJECTIVE, '--cwd', root, '--json'], { env });
    assert.equal(first.code, 1);
    await new Promise((r) => setTimeout(r, 20));
    const between = Date.now();
    const second = await runCli(['run', OBJECTIVE, '--cwd', root, '--check', 'node --test', '--reviewers', '2', '--json'], { env });
    assert.equal(second.code, 0, second.stderr);

    // --json prints each event once it is stored, with its timestamp: the whole history here
    const events: RecordedEvent[] = [...jsonLines(first.stdout), ...jsonLines(second.stdout)];
    assert.ok(events.some((e) => e.type === 'agent.call.failed'));

    const windows: [string[], number][] = [[[], 0], [['--since', new Date(between).toISOString()], between]];
    for (const [argv, since] of windows) {
      const r = await runCli(['stats', '--cwd', root, '--json', ...argv], {});
      assert.equal(r.code, 0, r.stderr);
      const rows = JSON.parse(r.stdout).rows as any[];
      const got: Record<string, unknown> = {};
      for (const row of rows) got[`${row.provider}/${row.model}/${row.role}`] = { calls: row.calls, failures: row.failures, p50Ms: row.p50Ms, p95Ms: row.p95Ms, costUsd: row.costUsd, reviewScore: row.reviewScore, routerShare: row.routerShare };
      const want = expected(events, since);
      assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
      for (const k of Object.keys(want)) {
        const g = got[k] as any;
        const w = want[k] as any;
        assert.ok(Math.abs(g.costUsd - w.costUsd) < 1e-12, k);
        assert.deepEqual({ ...g, costUsd: 0 }, { ...w, costUsd: 0 }, k);
      }
      if (since) assert.ok(!rows.some((x) => x.failures.bad_request), 'the failed run is outside the window');
      else assert.ok(rows.some((x) => x.failures.bad_request === 1));
    }

    // the user decides hunks of the second run: one accepted, one rejected; stats count them per author
    const runId = jsonLines(second.stdout)[0]!.runId;
    const listed = await runCli(['review', runId, '--json', '--cwd', root], {});
    assert.equal(listed.code, 0, listed.stderr);
    const pending = (JSON.parse(listed.stdout) as { patches: { hunks: { id: string }[] }[] }[])[0]!.patches.flatMap((p) => p.hunks);
    assert.ok(pending.length >= 2, `${pending.length} hunks to decide`);
    assert.equal((await runCli(['review', 'accept', pending[0]!.id, '--cwd', root], {})).code, 0);
    assert.equal((await runCli(['review', 'reject', pending[1]!.id, '--reason', 'not this one', '--cwd', root], {})).code, 0);
    const all = await runCli(['events', runId, '--cwd', root, '--json'], {});
    assert.equal(all.code, 0, all.stderr);
    const runEvents = jsonLines(all.stdout) as RecordedEvent[];
    const decided = new Map<string, { kept: number; decided: number }>();
    const hunkAuthor = new Map<string, string>();
    const taskRole = new Map<string, string>();
    for (const e of runEvents) {
      if (e.type === 'task.routed' && (e.data.role === 'coder' || e.data.role === 'tester')) taskRole.set(e.data.taskId, e.data.role);
      if (e.type === 'review.proposed') for (const f of e.data.files) for (const h of f.hunks) hunkAuthor.set(h.id, `${e.data.provider}/${e.data.model}/${taskRole.get(e.data.taskId)}`);
      const mark = (ids: readonly string[], kept: boolean) => {
        for (const id of ids) {
          const d = decided.get(hunkAuthor.get(id)!) ?? { kept: 0, decided: 0 };
          decided.set(hunkAuthor.get(id)!, { kept: d.kept + (kept ? 1 : 0), decided: d.decided + 1 });
        }
      };
      if (e.type === 'review.applied') mark(e.data.hunkIds, true);
      if (e.type === 'review.rejected') mark(e.data.hunkIds, false);
    }
    assert.equal([...decided.values()].reduce((n, d) => n + d.decided, 0), 2);
    const after = JSON.parse((await runCli(['stats', '--cwd', root, '--json'], {})).stdout).rows as any[];
    for (const row of after) {
      const d = decided.get(`${row.provider}/${row.model}/${row.role}`);
      assert.equal(row.hunkAcceptance, d ? d.kept / d.decided : null, `${row.provider}/${row.model}/${row.role}`);
      assert.equal(row.hunksDecided, d?.decided ?? 0);
    }

    const text = await runCli(['stats', '--cwd', root, '--since', '7d'], {});
    assert.equal(text.code, 0);
    assert.match(text.stdout.split('\n')[0]!, /^model\s+role\s+calls\s+failed\s+p50 s\s+p95 s\s+cost\s+review\s+hunks kept\s+router$/);
    const bad = await runCli(['stats', '--cwd', root, '--since', 'last tuesday'], {});
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since takes a duration/);
  });
});
