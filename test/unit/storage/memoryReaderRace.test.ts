// A long-lived reader of the memory index (the prompt context a run keeps: loadedSearch's read-only
// memory database) against a real writer that compacts the blob file into a new generation and deletes
// the old one once its snapshot is on disk. The reader's image still points into the deleted
// generation: its next search must refresh and read again, not fail with "missing". A blob file that
// is gone while the snapshot still points at it is damage, and is still reported with its name.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { closeMemorySearch, workspaceMemory } from '../../../src/app/memory';
import { indexWorkspace } from '../../../src/core/memory/indexer';
import { DatabaseFileError } from '../../../src/storage/layout';
import { listBlobFiles } from '../../../src/storage/memoryBlobs';
import { memoryDir, openMemoryDatabase } from '../../../src/storage/memoryDatabase';
import { SqlMemoryStore } from '../../../src/storage/memoryStore';
import { openWorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import { tempWorkspace, writeFiles } from '../memory/helpers';

describe('a long-lived memory reader while a writer compacts the blob file', () => {
  afterEach(closeMemorySearch);

  it('reads the new generation after a refresh instead of failing on the deleted one; a blob file missing under a current snapshot is still reported by name', async () => {
    const files: Record<string, string> = {};
    const version = (round: number) => {
      for (let i = 0; i < 20; i++) files[`src/m${i}.ts`] = `export function handler${i}v${round}(request: Request) {\n  return route${i % 7}(request, ${i}, ${round});\n}\n`;
    };
    version(0);
    const root = tempWorkspace(files);
    const main = await openWorkspaceDatabase(root, { mode: 'write' });
    try {
      // five re-indexes: most of the blob file is dead text, so a writer's open compacts it
      const indexer = await openMemoryDatabase(main, { mode: 'write' });
      for (let round = 1; round <= 5; round++) {
        version(round);
        writeFiles(root, files);
        await indexWorkspace(root, new SqlMemoryStore(indexer));
      }
      await indexer.close();
      const [old, ...others] = listBlobFiles(memoryDir(main));
      assert.deepEqual(others, []);

      // the reader: a run's context provider, loaded at its first prompt and kept for the next ones
      const context = workspaceMemory(main, undefined).context!;
      assert.match(await context.contextFor({ objective: 'handler3v5 route3', files: [] }), /handler3v5/);

      // a real writer (as `codecompanion index` in a terminal) compacts, snapshots, drops the old file
      const writer = await openMemoryDatabase(main, { mode: 'write', compactBlobsAfterBytes: 1 });
      await writer.close();
      const [current, ...more] = listBlobFiles(memoryDir(main));
      assert.deepEqual(more, []);
      assert.notEqual(current!.generation, old!.generation, 'the race is staged: the generation the reader points at is deleted');
      assert.ok(!fs.existsSync(old!.path));

      // the reader's image still points into the deleted file: it refreshes and reads the new one
      assert.match(await context.contextFor({ objective: 'handler5v5 route5', files: [] }), /handler5v5/);
      assert.match(await context.contextFor({ objective: 'handler9v5 route2', files: [], taskDescription: 'handler12v5 route5' }), /handler12v5/);

      // no writer this time: the file the current snapshot points at is gone. That is damage, named.
      fs.rmSync(current!.path);
      await assert.rejects(
        context.contextFor({ objective: 'handler7v5 route0', files: [] }),
        (err: Error) => err instanceof DatabaseFileError && err.message.includes(current!.path) && /missing/.test(err.message),
      );
    } finally {
      await main.close();
    }
  });
});
