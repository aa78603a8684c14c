// Retention folds a finished call's streamed events into one: the run still replays to the same
// state, shows the same dashboard, prints the same replay, keeps every streamed character (audit),
// and an interrupted run whose finished calls were compacted still resumes to the end.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LiveRun } from '../../../src/app/dashboard/liveRun';
import { parseEvent, type RecordedEvent } from '../../../src/core/events';
import { projectRun } from '../../../src/core/orchestrator/runState';
import { archiveRun } from '../../../src/storage/archiver';
import { SqlEventStore } from '../../../src/storage/sqlEventStore';
import { openWorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import { summary as printed } from '../../../src/cli/progress';
import { runCli } from '../../helpers/cliRunner';
import { expandStreams } from '../../fakes/streams';
import { fixtureEvents } from './fixture';

const SAMPLES = path.resolve(__dirname, '..', '..', '..', 'samples');
const DAY = 24 * 3600_000;

function sampleRoot(): string {
  const root = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'cc-retention-'));
  fs.cpSync(path.join(SAMPLES, 'workspace'), root, { recursive: true });
  return root;
}

function streamedText(events: readonly RecordedEvent[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of events) if (e.type === 'agent.call.streamed') out.set(e.data.callId, (out.get(e.data.callId) ?? '') + e.data.text);
  return out;
}

describe('retention', () => {
  it('a compacted run replays, shows and audits as before, with a fraction of the events', async () => {
    const all = await fixtureEvents();
    const completed = all.filter((e) => e.runId === all.find((x) => x.type === 'run.completed')!.runId);
    const root = sampleRoot();
    const store = new SqlEventStore(await openWorkspaceDatabase(root, { mode: 'write' }));
    const shifted = completed.map((e) => ({ ...e, ts: e.ts - 40 * DAY }));
    await store.append('old-run', expandStreams(shifted, 40, ' and more output'.repeat(30)));
    const before = (await store.readRun('old-run')).map(parseEvent);
    await store.close();

    const compact = await runCli(['db', 'compact', '--older-than', '30d', '--cwd', root, '--json']);
    assert.equal(compact.code, 0, compact.stderr);
    const report = JSON.parse(compact.stdout);
    assert.equal(report.runs, 1);
    assert.ok(report.eventsRemoved > 14 * 30, JSON.stringify(report));
    assert.ok(report.bytesAfter < report.bytesBefore, JSON.stringify(report));

    const reopened = new SqlEventStore(await openWorkspaceDatabase(root, { mode: 'read-only' }));
    const after = (await reopened.readRun('old-run')).map(parseEvent);
    // a page of an archived run (its seqs have gaps where streamed chunks were folded) is a slice of the whole
    const from = after[after.length - 10]!.seq;
    assert.deepEqual((await reopened.readRun('old-run', from, 5)).map(parseEvent), after.filter((e) => e.seq >= from).slice(0, 5));
    const summary = reopened.runSummary('old-run');
    await reopened.close();
    assert.equal(after.length, before.length - report.eventsRemoved);
    assert.deepEqual(projectRun('old-run', after), projectRun('old-run', before));
    assert.deepEqual(LiveRun.from('old-run', after).view([]), LiveRun.from('old-run', before).view([]));
    assert.deepEqual(streamedText(after), streamedText(before), 'every streamed character is kept');
    assert.deepEqual(after.filter((e) => e.type !== 'agent.call.streamed'), before.filter((e) => e.type !== 'agent.call.streamed'));
    assert.equal(summary?.status, 'completed');
    const replayAfter = await runCli(['replay', 'old-run', '--cwd', root]);
    assert.equal(replayAfter.stdout, printed(projectRun('old-run', before)));
    // a second pass finds nothing more to do
    const again = await runCli(['db', 'compact', '--older-than', '30d', '--cwd', root, '--json']);
    assert.equal(JSON.parse(again.stdout).runs, 0);
  });

  it('a writer’s open moves finished runs idle over an hour to archive files, compacting those past the retention, within a time budget', async () => {
    const all = await fixtureEvents();
    const completed = all.filter((e) => e.runId === all.find((x) => x.type === 'run.completed')!.runId);
    const shift = (events: typeof completed, to: number) => events.map((e) => ({ ...e, ts: to - (completed[completed.length - 1]!.ts - e.ts) }));
    const root = sampleRoot();
    const now = Date.now();
    const store = new SqlEventStore(await openWorkspaceDatabase(root, { mode: 'write' }));
    for (let i = 0; i < 23; i++) await store.append(`old-${i}`, expandStreams(shift(completed, now - (40 + i) * DAY), 5));
    await store.append('yesterday', expandStreams(shift(completed, now - DAY), 5));
    await store.append('just-now', expandStreams(shift(completed, now), 5));
    const before = new Map<string, unknown[]>();
    for (const id of ['old-0', 'yesterday', 'just-now']) before.set(id, (await store.readRun(id)).map(parseEvent));
    await store.close();
    const state = async () => {
      const db = await openWorkspaceDatabase(root, { mode: 'read-only' });
      const rows = (sql: string) => db.all<{ run_id: string }>(sql).map((r) => r.run_id).sort();
      const out = { archived: rows('SELECT run_id FROM run_archives'), compacted: rows('SELECT run_id FROM compactions'), hotRuns: rows('SELECT DISTINCT run_id FROM events') };
      await db.close();
      return out;
    };
    // each open works within its budget: a loaded machine may need more than one to finish
    let s = await state();
    for (let opens = 0; s.archived.length < 24 && opens < 50; opens++) {
      assert.equal((await runCli(['runs', '--cwd', root])).code, 0); // a command that writes opens the writer
      s = await state();
    }
    const old = Array.from({ length: 23 }, (_, i) => `old-${i}`).sort();
    assert.deepEqual(s.archived, [...old, 'yesterday'].sort());
    assert.deepEqual(s.compacted, old, 'only runs past the 30-day retention are compacted');
    assert.deepEqual(s.hotRuns, ['just-now'], 'the in-memory database keeps only the run still recent');
    // read back from their archives: the same events (uncompacted), the same state (compacted)
    const reader = new SqlEventStore(await openWorkspaceDatabase(root, { mode: 'read-only' }));
    assert.deepEqual((await reader.readRun('yesterday')).map(parseEvent), before.get('yesterday'));
    assert.deepEqual((await reader.readRun('just-now')).map(parseEvent), before.get('just-now'));
    assert.deepEqual(projectRun('old-0', (await reader.readRun('old-0')).map(parseEvent)), projectRun('old-0', before.get('old-0') as RecordedEvent[]));
    await reader.close();
  });

  it('a damaged archive is reported with the file named and left as it is, and the other runs still read', async () => {
    const all = await fixtureEvents();
    const completed = all.filter((e) => e.runId === all.find((x) => x.type === 'run.completed')!.runId);
    const root = sampleRoot();
    const store = new SqlEventStore(await openWorkspaceDatabase(root, { mode: 'write' }));
    await store.append('a', completed);
    await store.append('b', completed);
    await archiveRun(store, 'a', { compact: false });
    await archiveRun(store, 'b', { compact: false });
    const file = path.join(root, '.codecompanion', 'runs', store.events.archiveOf('a')!.file);
    await store.close();
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    const replay = await runCli(['replay', 'a', '--cwd', root]);
    assert.notEqual(replay.code, 0);
    assert.match(replay.stderr, /archived events of a run \([0-9a-f]{32}-1\.jsonl\.gz\) do not match their SHA-256/);
    assert.ok(fs.readFileSync(file).equals(bytes), 'the damaged file is left byte for byte');
    const other = await runCli(['replay', 'b', '--cwd', root]);
    assert.equal(other.code, 0, other.stderr);
    const list = await runCli(['runs', '--cwd', root]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /\bb\b/);
  });

  it('an interrupted run whose finished calls were compacted resumes to the end, paying for none of them again', async function () {
    this.timeout(120_000);
    const all = await fixtureEvents();
    const runId = all.find((x) => x.type === 'run.completed')!.runId;
    const events = all.filter((e) => e.runId === runId);
    // stopped after the sixth finished call, as a killed window would leave it
    let finished = 0;
    const sixth = events.findIndex((e) => e.type === 'agent.call.finished' && ++finished === 6);
    const cut = events.findIndex((e, i) => i > sixth && e.type === 'agent.call.started') - 1;
    const root = sampleRoot();
    const store = new SqlEventStore(await openWorkspaceDatabase(root, { mode: 'write' }));
    await store.append(runId, expandStreams(events.slice(0, cut + 1), 25));
    const compacted = await archiveRun(store, runId, { compact: true });
    assert.ok(compacted.calls >= 6 && compacted.removed > 0);
    const finishedBefore = new Set((await store.readRun(runId)).filter((e) => e.type === 'agent.call.finished').map((e) => (e.data as { callId: string }).callId));
    await store.close();

    const resumed = await runCli(['resume', runId, '--cwd', root, '--json', '--replay', path.join(SAMPLES, 'session.jsonl')]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const check = new SqlEventStore(await openWorkspaceDatabase(root, { mode: 'read-only' }));
    const final = (await check.readRun(runId)).map(parseEvent);
    await check.close();
    const state = projectRun(runId, final);
    assert.equal(state.status, 'completed');
    const perCall = new Map<string, number>();
    for (const e of final) if (e.type === 'agent.call.finished') perCall.set(e.data.callId, (perCall.get(e.data.callId) ?? 0) + 1);
    for (const id of finishedBefore) assert.equal(perCall.get(id), 1, `${id} was not asked again`);
    assert.equal(Object.values(state.patches).filter((p) => p.status === 'accepted' || p.status === 'applied').length, 3);
  });
});
