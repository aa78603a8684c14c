// A child process for the migration crash test: opens an old workspace database for writing (which
// moves its memory index into the memory database, then drops it), printing "opened" and "closed".
// The parent kills it at random moments during the move.
// usage: crashMigrator ROOT
import { openWorkspaceDatabase } from '../../src/storage/workspaceDatabase';

async function main(): Promise<void> {
  const [root] = process.argv.slice(2);
  if (!root) throw new Error('usage: crashMigrator ROOT');
  const db = await openWorkspaceDatabase(root, { mode: 'write', purpose: 'crash migrator' });
  process.stdout.write('opened\n');
  await db.close();
  process.stdout.write('closed\n');
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
