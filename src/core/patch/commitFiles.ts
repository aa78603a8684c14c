// Writes a planned patch to disk: every file through a temporary file and a rename, all of them or
// none. On a failure (disk full, permissions) what was done is undone, newest first, and the error
// says honestly whether that worked. Temporary names are short, so a file whose own name is near the
// file system's limit can still be written.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FilePlan } from './planPatch';
import { fsErrorReason } from '../fsErrors';

export class WriteFailure extends Error {
  constructor(
    message: string,
    /** True when every file is back as it was before the write began. */
    readonly restored: boolean,
  ) {
    super(message);
  }
}

interface Undo {
  /** What the step restores, for the message when it cannot. */
  readonly what: string;
  readonly run: () => void;
}

interface Work {
  readonly undo: Undo[];
  /** Copies kept for undo, dropped once everything is in place. */
  readonly aside: string[];
  readonly stamp: string;
  counter: number;
}

/** Applies the plan's files at their absolute paths; throws WriteFailure. */
export function commitFiles(files: readonly FilePlan[], absolute: ReadonlyMap<string, string>): void {
  const work: Work = { undo: [], aside: [], stamp: randomBytes(3).toString('hex'), counter: 0 };
  let current = '';
  try {
    for (const file of files) {
      current = file.path;
      const target = absolute.get(file.path)!;
      if (file.action === 'delete') {
        moveAside(target, file.path, work);
        continue;
      }
      if (file.action === 'rename') {
        const source = absolute.get(file.from!)!;
        const mode = fs.statSync(source).mode;
        writeAtomically(target, file.path, file.after!, mode, work);
        current = file.from!;
        moveAside(source, file.from!, work);
        continue;
      }
      const mode = file.action === 'modify' ? fs.statSync(target).mode : undefined;
      writeAtomically(target, file.path, file.after!, mode, work);
    }
  } catch (err) {
    const failed: string[] = [];
    for (const u of work.undo.reverse()) {
      try {
        u.run();
      } catch (undoErr) {
        failed.push(`${u.what} (${fsErrorReason(undoErr)})`);
      }
    }
    const cause = `writing ${current} failed: ${fsErrorReason(err)}`;
    if (failed.length === 0) throw new WriteFailure(`${cause}; every file was restored as it was`, true);
    throw new WriteFailure(`${cause}; restoring did not fully work, check: ${failed.join('; ')}`, false);
  }
  for (const copy of work.aside) {
    try {
      fs.rmSync(copy, { force: true });
    } catch {
      // a leftover copy is untidy, not wrong: the patch is in place
    }
  }
}

/** A name beside `target`, short whatever the target's length: `.cc-<random>-<n>.<kind>`. */
function sideName(target: string, kind: 'tmp' | 'bak' | 'del', work: Work): string {
  return path.join(path.dirname(target), `.cc-${work.stamp}-${work.counter++}.${kind}`);
}

function moveAside(target: string, relative: string, work: Work): void {
  const aside = sideName(target, 'del', work);
  fs.renameSync(target, aside);
  work.undo.push({ what: `${relative} (kept as ${path.basename(aside)})`, run: () => fs.renameSync(aside, target) });
  work.aside.push(aside);
}

function writeAtomically(target: string, relative: string, text: string, mode: number | undefined, work: Work): void {
  const dir = path.dirname(target);
  if (!fs.existsSync(dir)) {
    const created = firstMissing(dir);
    // registered first: a folder half made by a failing mkdir goes too
    work.undo.push({ what: `the new folder ${path.basename(created)}`, run: () => fs.rmSync(created, { recursive: true, force: true }) });
    fs.mkdirSync(dir, { recursive: true });
  }
  const tmp = sideName(target, 'tmp', work);
  // registered before the write: a temporary file cut short by a full disk never stays behind
  work.undo.push({ what: `the temporary file ${path.basename(tmp)}`, run: () => fs.rmSync(tmp, { force: true }) });
  writeNew(tmp, text, mode ?? 0o644);
  if (mode !== undefined) fs.chmodSync(tmp, mode);
  let backup: string | undefined;
  if (fs.existsSync(target)) {
    backup = sideName(target, 'bak', work);
    try {
      fs.linkSync(target, backup);
    } catch {
      fs.copyFileSync(target, backup); // a file system without hard links
    }
    const copy = backup;
    work.undo.push({ what: `the backup ${path.basename(copy)}`, run: () => fs.rmSync(copy, { force: true }) });
    work.aside.push(copy);
  }
  fs.renameSync(tmp, target);
  // only now is there something to undo at the target itself
  const copy = backup;
  if (copy) work.undo.push({ what: `${relative} (its old content is in ${path.basename(copy)})`, run: () => fs.renameSync(copy, target) });
  else work.undo.push({ what: `the new file ${relative}`, run: () => fs.rmSync(target, { force: true }) });
}

function writeNew(file: string, text: string, mode: number): void {
  const fd = fs.openSync(file, 'wx', mode);
  try {
    fs.writeFileSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

function firstMissing(dir: string): string {
  let missing = dir;
  while (!fs.existsSync(path.dirname(missing))) missing = path.dirname(missing);
  return missing;
}
