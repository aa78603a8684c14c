// A child process for the durability tests: writes whole runs of real events (the projections change
// with every append), archives and compacts each run once it has finished, then appends one more event
// to it (as a review decision on an archived run does), printing "ack RUN SEQ" after each append
// resolved and "compacted RUN" after each archive. The parent kills it at random moments: during
// appends, projection writes, archive files and their commits.
// usage: crashRunWriter ROOT WORKER EVENTS_JSON
import * as fs from 'node:fs';
import type { NewEvent } from '../../src/core/ports/eventStore';
import { archiveRun } from '../../src/storage/archiver';
import { SqlEventStore } from '../../src/storage/sqlEventStore';
import { openWorkspaceDatabase } from '../../src/storage/workspaceDatabase';

async function main(): Promise<void> {
  const [root, worker, eventsFile] = process.argv.slice(2);
  if (!root || !worker || !eventsFile) throw new Error('usage: crashRunWriter ROOT WORKER EVENTS_JSON');
  const events = JSON.parse(fs.readFileSync(eventsFile, 'utf8')) as NewEvent[];
  const db = await openWorkspaceDatabase(root, { mode: 'write', purpose: `crash run writer ${worker}`, snapshotEveryBytes: 256 * 1024 });
  const store = new SqlEventStore(db);
  for (let run = 0; ; run++) {
    const runId = `${worker}-r${run}`;
    for (let i = 0; i < events.length; ) {
      const batch = events.slice(i, i + 1 + ((i + run) % 4));
      const stored = await store.append(runId, batch);
      for (const e of stored) process.stdout.write(`ack ${runId} ${e.seq}\n`);
      i += batch.length;
    }
    await archiveRun(store, runId, { compact: true });
    process.stdout.write(`compacted ${runId}\n`);
    const [late] = await store.append(runId, [{ type: 'run.traced', data: { traceId: '0123456789abcdef0123456789abcdef' } }]);
    process.stdout.write(`ack ${runId} ${late!.seq}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
