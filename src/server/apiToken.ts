// The API's bearer token: 256 random bits, created on the first `serve` and kept in
// .codecompanion/api-token with mode 0600 (the folder is git-ignored and protected from patches).
// The token is never printed; the start-up line names the file. Comparison is constant-time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { databaseDir, ensureGitignore } from '../storage/layout';

export const TOKEN_FILE = 'api-token';

export interface ApiToken {
  readonly token: string;
  readonly file: string;
  /** Created (or replaced by --rotate-token) by this call. */
  readonly fresh: boolean;
}

export function tokenFile(root: string): string {
  return path.join(databaseDir(root), TOKEN_FILE);
}

export function loadOrCreateToken(root: string, options: { rotate?: boolean } = {}): ApiToken {
  const file = tokenFile(root);
  if (!options.rotate) {
    const existing = readToken(file);
    if (existing) return { token: existing, file, fresh: false };
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  ensureGitignore(path.dirname(file)); // the token must never be committed with the workspace
  const token = randomBytes(32).toString('base64url');
  // written aside with 0600 from the first byte, then renamed over: a reader never sees half a token
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${token}\n`, { mode: 0o600, flag: 'w' });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
  return { token, file, fresh: true };
}

function readToken(file: string): string | undefined {
  let text: string;
  try {
    const stat = fs.lstatSync(file);
    if (!stat.isFile()) throw new Error(`${file} is not a regular file: remove it, then start serve again (or use --rotate-token)`);
    // a token others can read is a token others have: tighten it rather than serve with it
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return /^[A-Za-z0-9_-]{43}$/.test(text) ? text : undefined;
}

/** Constant-time: both sides are hashed first, so neither length nor content leaks through timing. */
export function tokenMatches(expected: string, presented: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}
