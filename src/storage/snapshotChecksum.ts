// The snapshot's content checksum, kept beside it in state.sqlite.sum: the SHA-256 of the snapshot
// being written and of the one it replaces, written before the rename, so whichever of the two a
// crash leaves in place matches. A snapshot matching neither was damaged after it was written: that is
// reported, never repaired. A snapshot with no sum file predates checksums and is checked once it is
// next written.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHECKSUM_FILE, DatabaseFileError, fsyncDirAsync } from './layout';

export type SnapshotCheck = 'verified' | 'no checksum yet';

export function snapshotHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readSums(dir: string): string[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, CHECKSUM_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as { sha256?: unknown };
    if (Array.isArray(parsed.sha256) && parsed.sha256.every((h) => typeof h === 'string')) return parsed.sha256 as string[];
  } catch {
    // reported below
  }
  throw new DatabaseFileError(path.join(dir, CHECKSUM_FILE), 'the snapshot checksum file is damaged');
}

/** Read the snapshot first, then call this: the sum file is never older than the snapshot it vouches for. */
export function verifySnapshot(dir: string, file: string, hash: string): SnapshotCheck {
  const sums = readSums(dir);
  if (!sums) return 'no checksum yet';
  if (!sums.includes(hash)) throw new DatabaseFileError(file, 'its content does not match its checksum (damaged after it was written)');
  return 'verified';
}

/** Before the new snapshot is renamed into place: vouches for the new one and the one still there. */
export async function writeSums(dir: string, next: string, current: string | undefined): Promise<void> {
  const target = path.join(dir, CHECKSUM_FILE);
  const tmp = `${target}.tmp-${process.pid}`;
  const handle = await fs.promises.open(tmp, 'w');
  try {
    await handle.writeFile(JSON.stringify({ sha256: current && current !== next ? [next, current] : [next] }));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(tmp, target);
  await fsyncDirAsync(dir);
}
