// Opening the memory index's database (.codecompanion/memory/, memorySchema.ts): the same durable
// machinery as the workspace database (snapshot, journal, checksum, its own writer lock), opened only
// by what needs the index (a search, indexing, a status report), never with the workspace. Lock
// order: the workspace database's writer lock first, then this one's; a writer that holds both takes
// in the decisions queued in the workspace database (memoryInbox.ts) before anything else.
import * as fs from 'node:fs';
import { convertPostings, ensureKeywordIndex } from './keywordIndex';
import { currentBlobFile, listBlobFiles } from './memoryBlobs';
import { dropLeftoverBlobFiles, upkeepBlobs } from './memoryBlobUpkeep';
import { databaseExists, memoryDirOf } from './layout';
import { drainInbox } from './memoryInbox';
import { MEMORY_SCHEMA } from './memorySchema';
import { moveDatabaseAside, openDatabaseAt, type OpenMode, type WorkspaceDatabase } from './workspaceDatabase';

export interface MemoryOpenOptions {
  /** Default: 'auto' beside a writable workspace database, 'read-only' beside a read-only one. */
  readonly mode?: OpenMode;
  readonly purpose?: string;
  readonly lockTimeoutMs?: number;
  /** Writer: rebuild the keyword index from the chunks (db rebuild), not only when it is missing. */
  readonly rebuildKeywordIndex?: boolean;
  /** Writer: dead bytes in the blob file past which it is compacted (tests make it small). */
  readonly compactBlobsAfterBytes?: number;
}

export function memoryDir(main: WorkspaceDatabase): string {
  return memoryDirOf(main.path);
}

/** Whether the memory database was ever written (indexed, or decisions moved in), without loading it. */
export function memoryIndexExists(main: WorkspaceDatabase): boolean {
  return databaseExists(memoryDir(main));
}

export async function openMemoryDatabase(main: WorkspaceDatabase, options: MemoryOpenOptions = {}): Promise<WorkspaceDatabase> {
  const mode = options.mode ?? (main.readOnly ? 'read-only' : 'auto');
  const dir = memoryDir(main);
  const memory = await openDatabaseAt(dir, {
    schema: MEMORY_SCHEMA,
    mode,
    purpose: options.purpose ?? 'memory index',
    lockTimeoutMs: options.lockTimeoutMs ?? 2_000,
    // an index of migration 1 gets its keyword index here, one of migration 2 its text and vectors
    // moved to the blob file: made durable by the snapshot that follows
    seed: (image) => {
      const blobs = upkeepBlobs(image, dir, options.compactBlobsAfterBytes);
      const converted = convertPostings(image);
      return ensureKeywordIndex(image, { force: options.rebuildKeywordIndex === true, dir }) || blobs || converted;
    },
  });
  try {
    if (!memory.readOnly) dropLeftoverBlobFiles(dir, currentBlobFile(memory.all.bind(memory), dir)?.generation);
    await drainInbox(main, memory);
    return memory;
  } catch (err) {
    await memory.close();
    throw err;
  }
}

/** For reports (doctor, db status): the memory database read as it is on disk, nothing taken in. */
export function readMemoryDatabase(databaseDirectory: string, purpose: string): Promise<WorkspaceDatabase> {
  return openDatabaseAt(memoryDirOf(databaseDirectory), { schema: MEMORY_SCHEMA, mode: 'read-only', purpose });
}

/** Renames the memory database's files aside (the event log and its files are not touched). */
export async function moveMemoryAside(databaseDirectory: string, now = Date.now()): Promise<string[]> {
  const dir = memoryDirOf(databaseDirectory);
  const moved = await moveDatabaseAside(dir, now);
  // the blob files belong to the image just moved: they go with it
  for (const f of listBlobFiles(dir)) {
    fs.renameSync(f.path, `${f.path}.aside-${now}`);
    moved.push(`${f.path}.aside-${now}`);
  }
  return moved;
}
