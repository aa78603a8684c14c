// Reading a file the user named (a patch file, a recorded session): only a regular file, only up to a
// size cap, and never blocking. /dev/zero would otherwise grow memory without limit and a FIFO would
// wait forever, so the type is checked from stat before opening, the open is non-blocking, and the
// opened descriptor is checked again (the path may have been swapped in between).
import * as fs from 'node:fs';
import { describeFsError } from './fsErrors';

export class InputFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputFileError';
  }
}

export interface InputFileOptions {
  /** How the message names the file, e.g. "the patch file x.diff". */
  readonly what: string;
  readonly maxBytes: number;
}

export const MiB = 1024 * 1024;

/** The file's bytes, or an InputFileError saying in one line what is wrong with it and what to do. */
export function readInputFile(file: string, options: InputFileOptions): Buffer {
  const { what, maxBytes } = options;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    throw new InputFileError(describeFsError(err, what) ?? `cannot read ${what}`);
  }
  checkStat(stat, what, maxBytes);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new InputFileError(describeFsError(err, what) ?? `cannot open ${what}`);
  }
  try {
    checkStat(fs.fstatSync(fd), what, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 * MiB, maxBytes + 1 - total));
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw tooLarge(what, maxBytes); // it grew since stat
    }
    return Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof InputFileError) throw err;
    throw new InputFileError(describeFsError(err, what) ?? `cannot read ${what}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** The file's text (UTF-8; a byte-order mark is dropped). */
export function readInputText(file: string, options: InputFileOptions): string {
  return readInputFile(file, options).toString('utf8').replace(/^\uFEFF/, '');
}

function checkStat(stat: fs.Stats, what: string, maxBytes: number): void {
  if (stat.isDirectory()) throw new InputFileError(`${what} is a folder, not a file: give the path of a file`);
  if (stat.isFIFO()) throw new InputFileError(`${what} is a named pipe (FIFO), not a regular file: save its contents to a file and give that`);
  if (stat.isSocket()) throw new InputFileError(`${what} is a socket, not a regular file: give the path of a file`);
  if (stat.isCharacterDevice() || stat.isBlockDevice()) throw new InputFileError(`${what} is a device, not a regular file: give the path of a file`);
  if (!stat.isFile()) throw new InputFileError(`${what} is not a regular file`);
  if (stat.size > maxBytes) throw tooLarge(what, maxBytes);
}

function tooLarge(what: string, maxBytes: number): InputFileError {
  return new InputFileError(`${what} is larger than ${formatBytes(maxBytes)}, the most read from one file: split it or give the right file`);
}

function formatBytes(n: number): string {
  return n >= MiB ? `${(n / MiB).toFixed(0)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}
