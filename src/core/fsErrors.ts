// File-system errors as one clear line: what happened to which file and what to do about it, instead
// of Node's "ELOOP: too many symbolic links encountered, open '/x'". Every host prints errno errors
// through here (the CLI's last catch, input files, the workspace database's messages, the patch
// engine's refusals and rollbacks): one table says what each errno means.
import * as fs from 'node:fs';

/** What Node attaches to a failed fs call. */
export interface ErrnoLike {
  readonly code: string;
  readonly syscall?: string;
  readonly path?: string;
  readonly dest?: string;
  readonly message: string;
}

export function isErrno(err: unknown): err is ErrnoLike {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

const VERBS: Record<string, string> = {
  open: 'open', read: 'read', write: 'write to', stat: 'read', lstat: 'read', rename: 'rename', unlink: 'delete', rmdir: 'delete',
  mkdir: 'create the folder', scandir: 'list', copyfile: 'copy', symlink: 'create the link', link: 'link', access: 'reach', fsync: 'save', ftruncate: 'truncate',
};

/** Each errno once: what it means (a clause that fits after "cannot X: ") and, if any, what to do. */
const ERRNO: Record<string, { readonly reason: string; readonly next?: string }> = {
  ENOENT: { reason: 'it does not exist (or is a link to something missing)', next: 'Check the path' },
  ELOOP: { reason: 'a symbolic link loop', next: 'Fix or remove the link' },
  EISDIR: { reason: 'it is a folder, not a file', next: 'Give the path of a file' },
  ENOTDIR: { reason: 'a part of its path is a file, not a folder' },
  EEXIST: { reason: 'something already exists there', next: 'Move it away or choose another name' },
  ENOTEMPTY: { reason: 'the folder is not empty', next: 'Move its contents away first' },
  EACCES: { reason: 'permission denied', next: 'Check its owner and permissions (ls -l)' },
  EPERM: { reason: 'operation not permitted', next: 'Check its owner and permissions (ls -l)' },
  EROFS: { reason: 'it is on a read-only file system', next: 'Use a writable copy of the folder, or only read (runs, events, replay)' },
  ENOSPC: { reason: 'the disk is full', next: 'Free some space and try again' },
  EDQUOT: { reason: 'the disk quota is used up', next: 'Free some space and try again' },
  EFBIG: { reason: 'the file is larger than the file system or a limit allows' },
  ENAMETOOLONG: { reason: 'the name is too long for the file system', next: 'Use a shorter name or path' },
  EMFILE: { reason: 'too many files are open', next: 'Close other programs or raise the limit (ulimit -n) and try again' },
  ENFILE: { reason: 'too many files are open', next: 'Close other programs or raise the limit (ulimit -n) and try again' },
  EBUSY: { reason: 'it is in use by another program', next: 'Close it and try again' },
  ETXTBSY: { reason: 'it is in use by another program', next: 'Close it and try again' },
  EXDEV: { reason: 'source and destination are on different file systems' },
  EIO: { reason: 'the device reported an I/O error', next: 'Check the disk' },
  EAGAIN: { reason: 'it is not ready to be read (a pipe or device?)', next: 'Give a regular file' },
  ENXIO: { reason: 'it is a device or pipe with nothing behind it', next: 'Give a regular file' },
  ENODEV: { reason: 'it is a device or pipe with nothing behind it', next: 'Give a regular file' },
};

/**
 * The short reason for a file-system error, tagged with its errno ("the disk is full (ENOSPC)"), for
 * a sentence that already names the file ("writing a.txt failed: ..."). Any other error: its first line.
 */
export function fsErrorReason(err: unknown): string {
  const entry = isErrno(err) ? ERRNO[err.code] : undefined;
  if (entry && isErrno(err)) return `${entry.reason} (${err.code})`;
  return ((err as { message?: string })?.message ?? String(err)).split('\n')[0]!;
}

/**
 * One line for an errno error, naming the file (`file` wins over the path Node reports, so callers can
 * say "the patch file X" rather than an absolute path). Returns undefined for anything else.
 */
export function describeFsError(err: unknown, file?: string): string | undefined {
  if (!isErrno(err)) return undefined;
  const target = file ?? err.path ?? 'the file';
  const verb = VERBS[err.syscall ?? ''] ?? 'use';
  const cannot = `cannot ${verb} ${target}`;
  switch (err.code) {
    // the file itself is the subject of these
    case 'ENOENT':
      return danglingLink(err.path) ? `${target} is a link to something that does not exist: fix or remove the link` : `${target} does not exist: check the path`;
    case 'ELOOP':
      return `${target} is a symbolic link that loops (or passes through too many links): fix or remove the link`;
    case 'EISDIR':
      return `${target} is a folder, not a file: give the path of a file`;
    case 'EEXIST':
      return `${err.dest ?? target} already exists: move it away or choose another name`;
    case 'ENOTEMPTY':
      return `${target} is a folder that is not empty: move its contents away first`;
    case 'EACCES':
    case 'EPERM':
      return `${cannot}: ${ERRNO[err.code]!.reason}. Check its owner and permissions (ls -l), or run where you may ${verb === 'read' || verb === 'open' ? 'read' : 'write'} it`;
  }
  const entry = ERRNO[err.code];
  if (entry) return `${cannot}: ${entry.reason}${entry.next ? `. ${entry.next}` : ''}`;
  return `${cannot}: ${err.message.replace(/^E[A-Z0-9]+:\s*/, '').split('\n')[0]} (${err.code})`;
}

function danglingLink(p: string | undefined): boolean {
  if (!p) return false;
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
