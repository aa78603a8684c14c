// Where the workspace database lives on disk and the file-level helpers its writer and readers share.
//   .codecompanion/.gitignore            '*': local state, never committed
//   .codecompanion/state.sqlite          the last snapshot (an SQLite file, replaced atomically)
//   .codecompanion/state.sqlite.sum      the snapshot's SHA-256 (snapshotChecksum.ts)
//   .codecompanion/journal-NNNNNN.log    the journal generations since (oldest first)
//   .codecompanion/journal-NNNNNN.log.torn-<time>  a copy of a journal whose torn tail was cut (kept)
//   .codecompanion/writer.lock           the writer's pid and host
//   .codecompanion/runs/                 finished runs' events, a file per run (runArchive.ts)
//   .codecompanion/memory/               the memory index: a database of its own with the same files
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DB_DIR = '.codecompanion';
export const SNAPSHOT_FILE = 'state.sqlite';
export const LOCK_FILE = 'writer.lock';
export const CHECKSUM_FILE = 'state.sqlite.sum';
export const MEMORY_DIR = 'memory';
/** 'CCmp' in the SQLite header's application_id: tells our database from someone else's SQLite file. */
export const APPLICATION_ID = 0x43436d70;
/** 'CCmm': the memory index's database, never mistaken for the workspace database (or the reverse). */
export const MEMORY_APPLICATION_ID = 0x43436d6d;
const TORN_COPY = /^journal-\d{6,}\.log\.torn-\d+$/;
const JOURNAL_NAME = /^journal-(\d{6,})\.log$/;
const SNAPSHOT_TMP = /^state\.sqlite(\.sum)?\.tmp-\d+$/;

export class DatabaseFileError extends Error {
  constructor(readonly file: string, readonly reason: string, readonly moveAside = 'codecompanion db move-aside --yes') {
    super(
      `${file} is not a usable CodeCompanion database (${reason}). It was left untouched: ` +
        `move it aside (\`${moveAside}\`, or the editor's prompt) or restore it from a backup, then try again`,
    );
    this.name = 'DatabaseFileError';
  }
}

export function databaseDir(workspaceRoot: string): string {
  return path.join(workspaceRoot, DB_DIR);
}

/** The memory index's database, kept beside (inside) the workspace database's directory. */
export function memoryDirOf(databaseDirectory: string): string {
  return path.join(databaseDirectory, MEMORY_DIR);
}

/** Whether a database was ever written in `dir`: a snapshot or a journal, without loading either. */
export function databaseExists(dir: string): boolean {
  return fs.existsSync(path.join(dir, SNAPSHOT_FILE)) || listJournals(dir).length > 0;
}

/**
 * Identifies the database's durable content without loading it: the snapshot's stamp and every
 * journal's size. A write grows a journal, a snapshot replaces the file: either changes the stamp.
 */
export function contentStamp(dir: string): string {
  return [fileStamp(path.join(dir, SNAPSHOT_FILE)), ...listJournals(dir).map((j) => `${j.generation}:${fileStamp(j.path)}`)].join('|');
}

export function journalFileName(generation: number): string {
  return `journal-${String(generation).padStart(6, '0')}.log`;
}

export interface JournalFile {
  readonly generation: number;
  readonly path: string;
}

/** The names in a folder; none when the folder does not exist (yet). */
export function namesIn(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The journal generations in the directory, oldest first. */
export function listJournals(dir: string): JournalFile[] {
  return namesIn(dir)
    .map((name) => ({ name, m: JOURNAL_NAME.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ generation: Number(m[1]), path: path.join(dir, name) }))
    .sort((a, b) => a.generation - b.generation);
}

export function leftoverSnapshotTemps(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => SNAPSHOT_TMP.test(n)).map((n) => path.join(dir, n));
}

/** Copies of journals whose torn tail a writer cut at open: kept for the user, reported by `db status`. */
export function tornCopies(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => TORN_COPY.test(n)).sort().map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

/** Identifies one version of the snapshot file: a rename by the writer changes it. */
export function fileStamp(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'none';
  }
}

export function ensureGitignore(dir: string): void {
  const file = path.join(dir, '.gitignore');
  if (!fs.existsSync(file)) fs.writeFileSync(file, '# CodeCompanion workspace database: local state, never committed\n*\n');
}

/** Makes a rename or a new file in `dir` durable. Windows cannot open a directory: it has no need to. */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch (err) {
    if (process.platform === 'win32') return;
    throw err;
  }
  try {
    fs.fsyncSync(fd);
  } catch (err) {
    if (process.platform !== 'win32') throw err;
  } finally {
    fs.closeSync(fd);
  }
}

export async function fsyncDirAsync(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Bytes of every file of the database: its own and its run archives' (one folder down); the memory index's database is counted apart. */
export function databaseBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isFile()) total += fs.statSync(full).size;
    else if (entry.isDirectory() && entry.name !== MEMORY_DIR) for (const f of fs.readdirSync(full, { withFileTypes: true })) if (f.isFile()) total += fs.statSync(path.join(full, f.name)).size;
  }
  return total;
}

/**
 * Replaces `target` durably: the bytes go to a temp file beside it (fsync'ed), `beforeRename` runs,
 * then the rename and the folder's fsync. A failure removes the temp file and leaves `target` as it was.
 */
export async function writeFileDurably(target: string, bytes: Uint8Array, beforeRename?: () => Promise<void>): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    const handle = await fs.promises.open(tmp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await beforeRename?.();
    await fs.promises.rename(tmp, target);
    await fsyncDirAsync(path.dirname(target));
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}
