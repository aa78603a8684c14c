// A child process for the memory index's crash test: rewrites every file of ROOT/src with the round's
// number, opens the memory database (a writer: its blob file compacted once it is mostly dead), indexes,
// closes, and prints "acked R" once round R is durable; again and again. The parent kills it at random
// moments: inside an append to the blob file, a journal write, a compaction or a snapshot.
// usage: crashIndexer ROOT FIRST_ROUND
import * as fs from 'node:fs';
import * as path from 'node:path';
import { indexWorkspace } from '../../src/core/memory/indexer';
import { openMemoryDatabase } from '../../src/storage/memoryDatabase';
import { SqlMemoryStore } from '../../src/storage/memoryStore';
import { openWorkspaceDatabase } from '../../src/storage/workspaceDatabase';

export const CRASH_FILES = 30;

/** File i at round r: one function whose name and body carry both. */
export function crashFileText(i: number, round: number): string {
  return `export function handler${i}r${round}(request: Request) {\n${`  return route${i}(request, ${round}); // round ${round} of file ${i}\n`.repeat(12)}}\n`;
}

async function main(): Promise<void> {
  const [root, first] = process.argv.slice(2);
  if (!root || first === undefined) throw new Error('usage: crashIndexer ROOT FIRST_ROUND');
  const main = await openWorkspaceDatabase(root, { mode: 'write', purpose: 'crash indexer' });
  for (let round = Number(first); ; round++) {
    for (let i = 0; i < CRASH_FILES; i++) fs.writeFileSync(path.join(root, 'src', `f${i}.ts`), crashFileText(i, round));
    const memory = await openMemoryDatabase(main, { mode: 'write', purpose: 'crash indexer', compactBlobsAfterBytes: 1 });
    await indexWorkspace(root, new SqlMemoryStore(memory));
    await memory.close();
    process.stdout.write(`acked ${round}\n`);
  }
}

if (require.main === module)
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
