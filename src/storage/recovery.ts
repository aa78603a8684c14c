// Opening the database's files: the writer repairs what a crash can leave (a torn journal tail, a
// half-created journal, a snapshot temp file) and migrates; a reader changes nothing and retries
// when it raced the writer's checkpoint.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JOURNAL_MAGIC } from './journal';
import type { Database as SqlJsDatabase } from 'sql.js';
import { loadImage, type Image } from './image';
import { DatabaseFileError, fsyncDir, fsyncDirAsync, journalFileName, leftoverSnapshotTemps } from './layout';
import { upgrade, WORKSPACE_SCHEMA, type DatabaseSchema } from './migrations';
import { archiveDirOf } from './runArchive';

export interface OpenedForWriting {
  readonly image: Image;
  readonly journal: { readonly fd: number; readonly size: number; readonly generation: number };
  readonly migratedFrom: number | undefined;
  /** Projections built from the log at this open (an upgrade, or after `db rebuild`). */
  readonly rebuilt: readonly string[];
  /** Copies of journals whose torn tail was cut (kept beside them, never deleted). */
  readonly tornKeptAs: readonly string[];
  /** A migration freed many pages: the image is to be rewritten (VACUUM) before its snapshot. */
  readonly vacuum: boolean;
}

/**
 * Call with the writer lock held. `beforeUpgrade` sees the image as the files hold it, before any
 * migration (it moves what a migration is about to drop somewhere else).
 */
export async function openForWriting(dir: string, schema: DatabaseSchema = WORKSPACE_SCHEMA, beforeUpgrade?: (db: SqlJsDatabase) => Promise<void>): Promise<OpenedForWriting> {
  for (const tmp of leftoverSnapshotTemps(dir)) fs.rmSync(tmp, { force: true });
  const image = await loadImage(dir, schema.applicationId);
  try {
    const tornKeptAs: string[] = [];
    for (const j of image.journals) if (j.tornBytes > 0) tornKeptAs.push(keepAndCut(j.path, j.validEnd));
    const last = image.journals[image.journals.length - 1];
    // created and killed before its magic was written: empty, so nothing to keep; appends must not
    // start past a missing magic (they would leave a file no open recognizes)
    if (last && last.tornBytes === 0 && last.validEnd < JOURNAL_MAGIC.length) cutTornTail(last.path, 0);
    const generation = last?.generation ?? 1;
    const fd = last ? fs.openSync(last.path, 'r+') : await createJournal(dir, generation);
    const size = Math.max(last?.validEnd ?? 0, JOURNAL_MAGIC.length);
    await beforeUpgrade?.(image.db);
    const up = upgrade(image.db, schema, archiveDirOf(dir));
    return { image, journal: { fd, size, generation }, migratedFrom: up.to !== up.from ? up.from : undefined, rebuilt: up.rebuilt, tornKeptAs, vacuum: up.vacuum };
  } catch (err) {
    image.statements.clear();
    image.db.close();
    throw err;
  }
}

/**
 * The bytes after the last intact frame were never acknowledged by this writer, but a tail damaged
 * from outside (a truncation, a bad disk) may have held acknowledged ones: the whole file is first
 * copied aside (durably, never deleted), then cut. A crash between the two copies it again next time.
 */
function keepAndCut(file: string, validEnd: number, now = Date.now()): string {
  const copy = `${file}.torn-${now}`;
  fs.copyFileSync(file, copy, fs.constants.COPYFILE_EXCL);
  const cfd = fs.openSync(copy, 'r');
  try {
    fs.fsyncSync(cfd);
  } finally {
    fs.closeSync(cfd);
  }
  fsyncDir(path.dirname(file));
  cutTornTail(file, validEnd);
  return copy;
}

function cutTornTail(file: string, validEnd: number): void {
  const fd = fs.openSync(file, 'r+');
  try {
    if (validEnd < JOURNAL_MAGIC.length) {
      fs.ftruncateSync(fd, 0);
      fs.writeSync(fd, JOURNAL_MAGIC, 0, JOURNAL_MAGIC.length, 0);
    } else {
      fs.ftruncateSync(fd, validEnd);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** A new journal generation holding just its magic, durable (file and directory entry) before use. */
export async function createJournal(dir: string, generation: number): Promise<number> {
  const file = path.join(dir, journalFileName(generation));
  const fd = fs.openSync(file, 'wx+');
  try {
    fs.writeSync(fd, JOURNAL_MAGIC, 0, JOURNAL_MAGIC.length, 0);
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
    await fsyncDirAsync(dir);
    return fd;
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/**
 * Loads the image without writing anything. A reader can catch the writer between renaming a new
 * snapshot and dropping old journals (a gap, or a vanished file): that is retried; damage that is
 * still there after the retries is real.
 */
export async function follow(dir: string, schema: DatabaseSchema = WORKSPACE_SCHEMA, attempts = 5): Promise<Image> {
  for (let attempt = 1; ; attempt++) {
    try {
      const image = await loadImage(dir, schema.applicationId);
      // Nothing written yet, or written by an older version: the reader's copy gets the schema and
      // projections in memory (the next writer makes them durable).
      upgrade(image.db, schema, archiveDirOf(dir));
      return image;
    } catch (err) {
      if (!(err instanceof DatabaseFileError) || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 20 * attempt));
    }
  }
}
