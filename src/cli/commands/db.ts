// codecompanion db status | db move-aside [--memory] --yes: look at the workspace database and the
// memory index's own, or, with the user's explicit consent, move an unusable one aside (renamed, never
// deleted) so a fresh one can be created; either is moved without touching the other. Nothing here
// writes into a database it cannot read.
import * as fs from 'node:fs';
import type { WorkspaceDatabase } from '../../storage/workspaceDatabase';
import { databaseBytes, databaseDir, databaseExists, DatabaseFileError, memoryDirOf, tornCopies } from '../../storage/layout';
import { memoryIndexExists, moveMemoryAside, openMemoryDatabase, readMemoryDatabase } from '../../storage/memoryDatabase';
import { SqlMemoryStore } from '../../storage/memoryStore';
import { archiveDirOf, unreferencedArchives } from '../../storage/runArchive';
import { SCHEMA_VERSION } from '../../storage/migrations';
import { ARCHIVE_AFTER_MS, maintainRuns } from '../../storage/archiver';
import { DEFAULT_RETENTION_DAYS, parseRetention } from '../../storage/retention';
import { SqlEventStore } from '../../storage/sqlEventStore';
import { moveDatabaseAside, openWorkspaceDatabase } from '../../storage/workspaceDatabase';
import { describeOwner } from '../../storage/lock';
import { parseCommandLine, UsageError, type CliCommand, type CliIo, resolveWorkspace } from '../io';

const OPTIONS = { cwd: { type: 'string' }, yes: { type: 'boolean' }, json: { type: 'boolean' }, 'older-than': { type: 'string' }, memory: { type: 'boolean' } } as const;

export const dbCommand: CliCommand = {
  name: 'db',
  usage: 'db status|rebuild|compact [--older-than 30d]|move-aside [--memory] [--cwd DIR] [--yes] [--json]',
  summary: 'inspect the workspace database, rebuild its projections from the event log, or move an unusable one aside (renamed, never deleted)',
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    const root = resolveWorkspace(io.cwd, values.cwd);
    switch (positionals[0]) {
      case 'status':
        return status(io, root, values.json ?? false);
      case 'rebuild':
        return rebuild(io, root);
      case 'compact': {
        let olderThanMs: number | undefined;
        try {
          olderThanMs = parseRetention(values['older-than'] ?? `${DEFAULT_RETENTION_DAYS}d`);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        if (olderThanMs === undefined) throw new UsageError('db compact --older-than off compacts nothing: give a duration such as 30d');
        return compact(io, root, olderThanMs, values.json ?? false);
      }
      case 'move-aside':
        if (!values.yes) throw new UsageError(`moving the ${values.memory ? 'memory index\'s database' : 'database'} aside starts a fresh one: the old files are kept, renamed *.aside-<time>; confirm with --yes`);
        return values.memory ? moveMemory(io, root) : moveAside(io, root);
      default:
        throw new UsageError('expected: db status | db rebuild | db compact [--older-than 30d] | db move-aside [--memory] --yes');
    }
  },
};

async function status(io: CliIo, root: string, json: boolean): Promise<number> {
  const dir = databaseDir(root);
  if (!fs.existsSync(dir)) {
    io.stdout.write(json ? JSON.stringify({ path: dir, exists: false }) + '\n' : `${dir}: no database yet (created by the first run)\n`);
    return 0;
  }
  try {
    const db = await openWorkspaceDatabase(root, { mode: 'read-only', purpose: 'db status' });
    try {
      const count = (sql: string) => Number(db.all<{ n: number }>(sql)[0]?.n ?? 0);
      const version = Number(db.all<{ user_version: number }>('PRAGMA user_version')[0]?.user_version ?? 0);
      const bytes = databaseBytes(dir);
      const archives = db.all<{ file: string; events: number }>('SELECT file, events FROM run_archives');
      const unreferenced = unreferencedArchives(archiveDirOf(dir), new Set(archives.map((a) => a.file)));
      const memory = await memoryStatus(dir, db);
      const report = {
        path: dir,
        exists: true,
        schemaVersion: version,
        latestSchemaVersion: SCHEMA_VERSION,
        runs: count('SELECT COUNT(*) AS n FROM runs'),
        events: count('SELECT COUNT(*) AS n FROM events') + archives.reduce((n, a) => n + a.events, 0),
        archivedRuns: archives.length,
        // written before a crash and never referenced, or replaced and not yet removed: left alone
        unreferencedArchives: unreferenced,
        bytesOnDisk: bytes,
        memory,
        tornBytesIgnored: db.recovery.tornBytes,
        // journals whose damaged tail a writer cut at open, kept as they were
        tornCopies: tornCopies(dir),
        snapshot: db.recovery.snapshotCheck ?? 'none yet',
        projections: db.all<{ name: string; version: number }>('SELECT name, version FROM cc_projections ORDER BY name').map((r) => `${r.name} v${r.version}`),
        writer: db.lockHolder ? `${db.lockHolder.purpose} ${describeOwner(db.lockHolder)}` : null,
      };
      if (json) io.stdout.write(JSON.stringify(report) + '\n');
      else
        io.stdout.write(
          `${report.path}: schema v${report.schemaVersion}${version < SCHEMA_VERSION ? ` (v${SCHEMA_VERSION} after the next write)` : ''}, ` +
            `${report.runs} run(s) (${report.archivedRuns} archived), ${report.events} event(s), ${(bytes / 1024).toFixed(1)} KiB on disk` +
            `${report.writer ? `; being written by ${report.writer}` : ''}\n` +
            `${memoryLine(memory)}\n` +
            `snapshot: ${report.snapshot === 'verified' ? 'checksum verified' : report.snapshot === 'no checksum yet' ? 'no checksum yet (written by an older version; the next snapshot has one)' : 'none yet'}\n` +
            (report.tornBytesIgnored > 0 ? `a torn journal tail of ${report.tornBytesIgnored} bytes is being ignored (a writer may be mid-write, or the file was damaged)\n` : '') +
            report.tornCopies.map((c) => `damaged journal tail cut at open, whole file kept: ${c}\n`).join('') +
            (unreferenced.length ? `${unreferenced.length} run archive file(s) no run points at (a crash mid-archive; their events are in the database): left as they are\n` : ''),
        );
      return 'error' in memory ? 1 : 0;
    } finally {
      await db.close();
    }
  } catch (err) {
    if (err instanceof DatabaseFileError) {
      io.stderr.write(`codecompanion db: ${err.message}\n  to keep the old files and start afresh: codecompanion db move-aside --yes${io.cwd === root ? '' : ` --cwd ${root}`}\n`);
      return 1;
    }
    throw err;
  }
}

type MemoryStatus =
  | { path: string; exists: false; pendingDecisions: number }
  | { path: string; exists: true; bytesOnDisk: number; chunks: number; files: number; pendingDecisions: number; snapshot: string; tornBytesIgnored: number }
  | { path: string; exists: true; bytesOnDisk: number; pendingDecisions: number; error: string };

/** The memory index's database, read (loaded) only here, for the report; the queue waiting in the workspace database beside it. */
async function memoryStatus(dir: string, main: WorkspaceDatabase): Promise<MemoryStatus> {
  const path = memoryDirOf(dir);
  const pendingDecisions = Number(main.all<{ n: number }>('SELECT COUNT(*) AS n FROM memory_inbox')[0]?.n ?? 0);
  if (!databaseExists(path)) return { path, exists: false, pendingDecisions };
  const bytesOnDisk = databaseBytes(path);
  try {
    const memory = await readMemoryDatabase(dir, 'db status');
    try {
      const count = (sql: string) => Number(memory.all<{ n: number }>(sql)[0]?.n ?? 0);
      // every text and vector in the blob file beside it, read and checked: damage is reported here, not at a search
      const store = new SqlMemoryStore(memory);
      try {
        store.verifyBlobs();
      } catch (err) {
        // a writer compacted the blob file since this reader loaded: read the new generation (damage rethrows)
        if (!(await store.refreshAfter(err))) throw err;
        store.verifyBlobs();
      }
      return {
        path,
        exists: true,
        bytesOnDisk,
        chunks: count('SELECT COUNT(*) AS n FROM memory_chunks'),
        files: count('SELECT COUNT(*) AS n FROM memory_files'),
        pendingDecisions,
        snapshot: memory.recovery.snapshotCheck ?? 'none yet',
        tornBytesIgnored: memory.recovery.tornBytes,
      };
    } finally {
      await memory.close();
    }
  } catch (err) {
    if (!(err instanceof DatabaseFileError)) throw err;
    return { path, exists: true, bytesOnDisk, pendingDecisions, error: err.message };
  }
}

function memoryLine(m: MemoryStatus): string {
  const pending = m.pendingDecisions ? `; ${m.pendingDecisions} run-memory entr${m.pendingDecisions === 1 ? 'y' : 'ies'} queued for it` : '';
  if (!m.exists) return `memory index: none yet (codecompanion index builds it)${pending}`;
  const size = `${(m.bytesOnDisk / 1024).toFixed(1)} KiB on disk`;
  if ('error' in m) return `memory index ${m.path}: unusable (${size}): ${m.error}${pending}\n  the event log is not affected; to keep the old files and start the index afresh: codecompanion db move-aside --memory --yes`;
  return `memory index ${m.path}: ${m.chunks} chunk(s) over ${m.files} file(s), ${size}${m.tornBytesIgnored ? `, a torn journal tail of ${m.tornBytesIgnored} bytes ignored` : ''}${pending}`;
}

async function moveMemory(io: CliIo, root: string): Promise<number> {
  const dir = memoryDirOf(databaseDir(root));
  if (!fs.existsSync(dir)) {
    io.stdout.write(`${dir}: no memory index database, nothing to move\n`);
    return 0;
  }
  const moved = await moveMemoryAside(databaseDir(root));
  io.stdout.write(
    moved.length === 0
      ? `${dir}: no memory index files, nothing to move\n`
      : `moved aside (kept, not deleted; the event log was not touched):\n${moved.map((m) => `  ${m}`).join('\n')}\nre-index with: codecompanion index\n`,
  );
  return 0;
}

async function moveAside(io: CliIo, root: string): Promise<number> {
  const dir = databaseDir(root);
  if (!fs.existsSync(dir)) {
    io.stdout.write(`${dir}: no database, nothing to move\n`);
    return 0;
  }
  const moved = await moveDatabaseAside(dir);
  io.stdout.write(moved.length === 0 ? `${dir}: no database files, nothing to move\n` : `moved aside (kept, not deleted):\n${moved.map((m) => `  ${m}`).join('\n')}\nthe next run starts a fresh database\n`);
  return 0;
}


/**
 * Rebuilds every projection from the event log. The request is journaled (the projections are marked
 * out of date), so a kill before the rebuild is done leaves it to the next open, never half-done.
 */
async function rebuild(io: CliIo, root: string): Promise<number> {
  const db = await openWorkspaceDatabase(root, { mode: 'write', purpose: 'db rebuild' });
  try {
    await db.write([{ sql: 'DELETE FROM cc_projections' }]);
  } finally {
    await db.close();
  }
  const reopened = await openWorkspaceDatabase(root, { mode: 'write', purpose: 'db rebuild' });
  try {
    const names = reopened.recovery.rebuiltProjections ?? [];
    io.stdout.write(`rebuilt from the event log: ${names.join(', ') || 'nothing'}\n`);
    if (memoryIndexExists(reopened)) {
      // the memory's keyword index is rebuilt from its chunks, in the snapshot its writer's open takes
      const memory = await openMemoryDatabase(reopened, { mode: 'write', purpose: 'db rebuild', lockTimeoutMs: 10_000, rebuildKeywordIndex: true });
      const chunks = memory.all<{ n: number }>('SELECT count(*) AS n FROM memory_chunks')[0]?.n ?? 0;
      await memory.close();
      io.stdout.write(`rebuilt the memory's keyword index from its ${chunks} chunk(s)\n`);
    }
    return 0;
  } finally {
    await reopened.close();
  }
}

/**
 * Compacts every finished run older than the cutoff (no bound per call, unlike the automatic pass
 * at a writer's open), then rewrites the snapshot without the freed pages.
 */
async function compact(io: CliIo, root: string, olderThanMs: number, json: boolean): Promise<number> {
  const dir = databaseDir(root);
  const sizeOnDisk = () => databaseBytes(dir);
  const db = await openWorkspaceDatabase(root, { mode: 'write', purpose: 'db compact' });
  let report;
  const before = sizeOnDisk();
  try {
    report = await maintainRuns(new SqlEventStore(db), { archiveAfterMs: Math.min(ARCHIVE_AFTER_MS, olderThanMs), retentionMs: olderThanMs });
    // what was folded or moved out leaves free pages: rewritten without them (a close alone would leave
    // the deletes in the journal, beside the unchanged snapshot)
    if (report.archived > 0 || report.eventsRemoved > 0) await db.vacuum();
  } finally {
    await db.close();
  }
  const after = sizeOnDisk();
  if (json) io.stdout.write(`${JSON.stringify({ ...report, bytesBefore: before, bytesAfter: after })}\n`);
  else
    io.stdout.write(
      `compacted ${report.runs} run(s): ${report.eventsRemoved} streamed event(s) of ${report.calls} call(s) folded into one per call; ` +
        `${report.archived} finished run(s) moved to archive files; ${(before / 1024).toFixed(1)} → ${(after / 1024).toFixed(1)} KiB on disk\n`,
    );
  return 0;
}
