// A child process for the durability tests: appends events to a workspace database and prints
// "ack RUN SEQ" for each one only after its append resolved (i.e. it is durable). The parent kills
// it at random moments and checks that every acknowledged event survives.
// usage: crashWriter ROOT RUN_ID COUNT [IN_FLIGHT] [LOCK_TIMEOUT_MS]
import { openWorkspaceDatabase } from '../../src/storage/workspaceDatabase';
import { SqlEventStore } from '../../src/storage/sqlEventStore';

async function main(): Promise<void> {
  const [root, runId, countArg, inFlightArg, lockArg] = process.argv.slice(2);
  if (!root || !runId) throw new Error('usage: crashWriter ROOT RUN_ID COUNT [IN_FLIGHT] [LOCK_TIMEOUT_MS]');
  const count = Number(countArg ?? 1000);
  const inFlight = Number(inFlightArg ?? 4);
  const db = await openWorkspaceDatabase(root, { mode: 'write', lockTimeoutMs: Number(lockArg ?? 10_000), purpose: `crash writer ${runId}`, snapshotEveryBytes: 64 * 1024 });
  process.stdout.write(`open ${db.recovery.replayedTransactions} ${db.recovery.tornBytes}\n`);
  const store = new SqlEventStore(db);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const [e] = await store.append(runId, [{ type: 'agent.streamed', data: { i, text: 'x'.repeat(50 + (i % 200)) } }]);
      process.stdout.write(`ack ${runId} ${e!.seq}\n`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  await store.close();
  process.stdout.write('done\n');
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
