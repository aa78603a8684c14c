// A recorded run of 10,000 events in a workspace's database, written before code-server starts,
// for the run panel's render time. The events are real and varied: the bundled sample run (plan,
// routing, streamed output of every size, patches, check reports, reviews, budget, consensus),
// recorded through the CLI, then repeated until there are 10,000 of them.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStore } from '../../../src/app/openStore';
import type { NewEvent } from '../../../src/core/ports/eventStore';

export const BIG_RUN_OBJECTIVE = 'e2e: a run with 10000 events';

/** The sample run's events, as `codecompanion run --sample --json` streams them. */
function sampleEvents(cli: string): NewEvent[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bigrun-'));
  try {
    const r = spawnSync(process.execPath, [cli, 'run', '--sample', '--cwd', dir, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600_000 });
    if (r.status !== 0) throw new Error(`the sample run failed (exit ${r.status}): ${r.stderr.slice(-1000)}`);
    return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; data: unknown; ts: number }).map((e) => ({ type: e.type, data: e.data, ts: e.ts }) as NewEvent);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function seedBigRun(root: string, cli: string, total = 10_000): Promise<{ runId: string; types: number; maxBytes: number }> {
  const runId = 'run-e2e-10k';
  const sample = sampleEvents(cli);
  const start = sample.find((e) => e.type === 'run.started')!;
  const end = sample.filter((e) => e.type === 'run.completed');
  const body = sample.filter((e) => e.type !== 'run.started' && e.type !== 'run.completed');
  const t0 = Date.now() - total * 50;
  const events: NewEvent[] = [{ ...start, data: { ...(start.data as object), objective: BIG_RUN_OBJECTIVE }, ts: t0 } as NewEvent];
  for (let i = 0; events.length < total - end.length; i++) events.push({ ...body[i % body.length]!, ts: t0 + events.length * 50 } as NewEvent);
  for (const e of end) events.push({ ...e, ts: t0 + events.length * 50 } as NewEvent);
  const opened = await openStore(root, 'write', 'e2e seed');
  try {
    for (let i = 0; i < events.length; i += 1_000) await opened.store.append(runId, events.slice(i, i + 1_000), { expectedSeq: i });
  } finally {
    await opened.close();
  }
  return { runId, types: new Set(events.map((e) => e.type)).size, maxBytes: Math.max(...events.map((e) => JSON.stringify(e.data).length)) };
}
