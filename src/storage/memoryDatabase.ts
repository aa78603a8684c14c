// Opening the memory index's database (.codecompanion/memory/, memorySchema.ts): the same durable
// machinery as the workspace database (snapshot, journal, checksum, its own writer lock), opened only
// by what needs the index (a search, indexing, a status report), never with the workspace. Lock
// order: the workspace database's writer lock first, then this one's; a writer that holds both takes
// in the decisions queued in the workspace database (memoryInbox.ts) before anything else.
import { ensureKeywordIndex } from './keywordIndex';
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
  const memory = await openDatabaseAt(memoryDir(main), {
    schema: MEMORY_SCHEMA,
    mode,
    purpose: options.purpose ?? 'memory index',
    lockTimeoutMs: options.lockTimeoutMs ?? 2_000,
    // an index of migration 1 gets its keyword index here, made durable by the snapshot that follows
    seed: (image) => ensureKeywordIndex(image, { force: options.rebuildKeywordIndex === true }),
  });
  try {
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
export function moveMemoryAside(databaseDirectory: string): Promise<string[]> {
  return moveDatabaseAside(memoryDirOf(databaseDirectory));
}
