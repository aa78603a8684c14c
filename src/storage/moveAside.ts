// Moving a database's files aside (after the user agreed), so a fresh one can be created.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHECKSUM_FILE, LOCK_FILE, SNAPSHOT_FILE, fsyncDir, listJournals } from './layout';
import { WriterLock } from './lock';
import { ARCHIVE_DIR } from './runArchive';

/**
 * Renames the database files aside so a fresh database can be created. Call it only after the user
 * agreed (a refused DatabaseFileError names this step); takes the writer lock so a live writer is
 * never pulled out from under.
 */
export async function moveDatabaseAside(dir: string, now = Date.now()): Promise<string[]> {
  const lock = await WriterLock.acquire(path.join(dir, LOCK_FILE), 'moving the database aside', 2_000);
  try {
    const moved: string[] = [];
    // the run archives belong to this database: a fresh one starts without them
    const names = [SNAPSHOT_FILE, CHECKSUM_FILE, ...listJournals(dir).map((j) => path.basename(j.path)), ARCHIVE_DIR];
    for (const name of names) {
      const from = path.join(dir, name);
      if (!fs.existsSync(from)) continue;
      const to = path.join(dir, `${name}.aside-${now}`);
      fs.renameSync(from, to);
      moved.push(to);
    }
    fsyncDir(dir);
    return moved;
  } finally {
    lock.releaseSync();
  }
}
