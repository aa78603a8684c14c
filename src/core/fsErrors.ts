// File-system errors as one clear line: what happened to which file and what to do about it, instead
// of Node's "ELOOP: too many symbolic links encountered, open '/x'". Every host prints errno errors
// through here (the CLI's last catch, input files, the workspace database's messages).
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
    case 'ENOENT':
      return danglingLink(err.path) ? `${target} is a link to something that does not exist: fix or remove the link` : `${target} does not exist: check the path`;
    case 'ELOOP':
      return `${target} is a symbolic link that loops (or passes through too many links): fix or remove the link`;
    case 'EISDIR':
      return `${target} is a folder, not a file: give the path of a file`;
    case 'ENOTDIR':
      return `${cannot}: a part of its path is a file, not a folder`;
    case 'EEXIST':
      return `${err.dest ?? target} already exists: move it away or choose another name`;
    case 'ENOTEMPTY':
      return `${target} is a folder that is not empty: move its contents away first`;
    case 'EACCES':
    case 'EPERM':
      return `${cannot}: permission denied. Check its owner and permissions (ls -l), or run where you may ${verb === 'read' || verb === 'open' ? 'read' : 'write'} it`;
    case 'EROFS':
      return `${cannot}: it is on a read-only file system. Use a writable copy of the folder, or only read (runs, events, replay)`;
    case 'ENOSPC':
      return `${cannot}: the disk is full. Free some space and try again`;
    case 'EDQUOT':
      return `${cannot}: your disk quota is used up. Free some space and try again`;
    case 'ENAMETOOLONG':
      return `${cannot}: the name is too long for this file system. Use a shorter name or path`;
    case 'EMFILE':
    case 'ENFILE':
      return `${cannot}: too many files are open. Close other programs or raise the limit (ulimit -n) and try again`;
    case 'EBUSY':
    case 'ETXTBSY':
      return `${cannot}: it is in use by another program. Close it and try again`;
    case 'EXDEV':
      return `${cannot}: source and destination are on different file systems`;
    case 'EIO':
      return `${cannot}: the device reported an I/O error. Check the disk`;
    case 'EAGAIN':
      return `${cannot}: it is not ready to be read (a pipe or device?). Give a regular file`;
    case 'ENXIO':
    case 'ENODEV':
      return `${cannot}: it is a device or pipe with nothing behind it. Give a regular file`;
    default:
      return `${cannot}: ${err.message.replace(/^E[A-Z0-9]+:\s*/, '').split('\n')[0]} (${err.code})`;
  }
}

function danglingLink(p: string | undefined): boolean {
  if (!p) return false;
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
