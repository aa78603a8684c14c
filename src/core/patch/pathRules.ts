// Where a patch may write. A path from a model is hostile input: it must stay inside the workspace
// and must never reach the places whose contents run commands or hold the run history, however it
// is spelled. This file holds the rules that need nothing but the path's text; writeGuard.ts adds
// the ones that need the disk (links, `.git` files, core.hooksPath).

/** A patch path that may not be written; `rule` names the rule for the user. */
export class PathRefusedError extends Error {
  constructor(
    message: string,
    readonly rule?: string,
  ) {
    super(message);
  }
}

export class PathOutsideWorkspaceError extends PathRefusedError {}

/** A path inside the workspace that no patch may write, create, delete or rename into or out of. */
export class ProtectedPathError extends PathRefusedError {}

export const GIT_RULE = '.git/**';
export const STORE_RULE = '.codecompanion/**';
export const HOOKS_RULE = 'core.hooksPath';

/** Containment that needs no disk: no NUL, not absolute, no `..` leading out. Throws PathOutsideWorkspaceError. */
export function checkRelative(relative: string): void {
  if (relative.includes('\0')) throw new PathOutsideWorkspaceError(`${JSON.stringify(relative)} contains a NUL byte`);
  if (relative.startsWith('/') || relative.startsWith('\\') || /^[a-zA-Z]:/.test(relative)) throw new PathOutsideWorkspaceError(`${relative} is absolute; patch paths are relative to the workspace`);
  let depth = 0;
  for (const part of relative.split(/[\\/]/)) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) throw new PathOutsideWorkspaceError(`${relative} leads outside the workspace`);
  }
}

/**
 * The protected-name rule: a path with a `.git` or `.codecompanion` part, at any depth (nested
 * repositories, submodules), in any spelling git itself treats as the same name: any case, Windows'
 * ignored trailing dots and spaces, NTFS stream suffixes (`.git::$INDEX_ALLOCATION`) and 8.3 short
 * names (`GIT~1`), and HFS+'s ignored zero-width characters.
 */
export function protectedByName(relative: string): ProtectedPathError | undefined {
  const parts = relative.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  for (let i = 0; i < parts.length; i++) {
    const name = canonicalName(parts[i]!);
    const shown = parts.slice(0, i + 1).join('/');
    if (name === '.git' || name === 'git~1')
      return new ProtectedPathError(`${relative} is inside the git directory ${shown} (protected path rule '${GIT_RULE}'): writing there can run commands on the next git operation`, GIT_RULE);
    if (name === '.codecompanion' || name === 'codeco~1')
      return new ProtectedPathError(`${relative} is inside the workspace database folder ${shown} (protected path rule '${STORE_RULE}'): writing there can rewrite or erase the run history`, STORE_RULE);
  }
  return undefined;
}

// Code points HFS+ ignores in names (git's is_hfs_dotgit list) and the BOM.
const IGNORED = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

function canonicalName(part: string): string {
  return part
    .normalize('NFC')
    .replace(IGNORED, '')
    .replace(/:.*$/, '') // NTFS alternate data stream
    .replace(/[. ]+$/, '') // Windows drops trailing dots and spaces
    .toLowerCase();
}

/** Both rules that need no disk, in order: containment, then protected names. */
export function checkPathText(relative: string): void {
  checkRelative(relative);
  const protectedError = protectedByName(relative);
  if (protectedError) throw protectedError;
}
