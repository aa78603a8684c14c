// The appliers compared on each case: this engine, `git apply` (strict and lenient), GNU patch
// (default fuzz, and ignoring whitespace) and jsdiff's applyPatch (fuzzFactor 2, as GNU patch's
// default fuzz; and with its compareLine hook ignoring whitespace, as `patch -l`). Each is fed the way
// its docs say: the strip level matches the patch's paths (-p1 with a/ b/ prefixes, -p0 without).
// Each runs in a fresh directory holding only the target file; the outcome is judged by the bytes
// left on disk, never by what the tool says.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { applyPatch as jsdiffApply } from 'diff';
import { applyPatch } from '../../src/core/patch/applyPatch';
import { parsePatchText, PatchParseError } from '../../src/core/patch/parsePatch';
import type { Case } from './damage';

const run = promisify(execFile);

export type Outcome = 'correct' | 'refused' | 'wrong';

export interface Applier {
  readonly name: string;
  readonly formats: readonly Case['format'][];
  /** Applies the patch file to the workspace; true when the tool reports success. */
  apply(root: string, patchFile: string, c: Case): Promise<boolean>;
}

async function exitsZero(cmd: string, args: readonly string[], cwd: string): Promise<boolean> {
  try {
    await run(cmd, [...args], { cwd, timeout: 30_000, env: { ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(cwd), LC_ALL: 'C' } });
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') throw err;
    return false;
  }
}

export const engine: Applier = {
  name: 'engine',
  formats: ['diff', 'search-replace'],
  async apply(root, patchFile) {
    try {
      const report = await applyPatch(parsePatchText(fs.readFileSync(patchFile, 'utf8')), { root });
      return report.ok;
    } catch (err) {
      if (err instanceof PatchParseError) return false;
      throw err;
    }
  },
};

/** -p1 when the patch names a/ and b/ paths, -p0 when it names the paths as they are. */
export function stripLevel(patch: string): string {
  return /^--- a\//m.test(patch) && /^\+\+\+ b\//m.test(patch) ? '-p1' : '-p0';
}

const tool = (name: string, cmd: string, args: (c: Case) => readonly string[]): Applier => ({
  name,
  formats: ['diff'],
  apply: (root, patchFile, c) => exitsZero(cmd, [...args(c), patchFile], root),
});

/** jsdiff in-process: the new text, or false when it does not fit. */
export function jsdiff(ignoreWhitespace: boolean): (before: string, patch: string) => string | false {
  const options = { fuzzFactor: 2, autoConvertLineEndings: true, ...(ignoreWhitespace ? { compareLine: (_n: number, line: string, _op: string, content: string) => line.replace(/\s+/g, ' ').trim() === content.replace(/\s+/g, ' ').trim() } : {}) };
  return (before, patch) => {
    try {
      return jsdiffApply(before, patch, options);
    } catch {
      return false; // a patch it cannot parse (bare @@ headers, counts that do not add up)
    }
  };
}

const inProcess = (name: string, apply: (before: string, patch: string) => string | false): Applier => ({
  name,
  formats: ['diff'],
  async apply(root, patchFile, c) {
    const target = path.join(root, c.path);
    const after = apply(fs.readFileSync(target, 'utf8'), fs.readFileSync(patchFile, 'utf8'));
    if (after === false) return false;
    fs.writeFileSync(target, after);
    return true;
  },
});

export const APPLIERS: readonly Applier[] = [
  engine,
  tool('git apply', 'git', (c) => ['apply', stripLevel(c.patch)]),
  tool('git apply --recount -C1 --ignore-ws', 'git', (c) => ['apply', stripLevel(c.patch), '--recount', '-C1', '--ignore-whitespace']),
  tool('patch (fuzz 2)', 'patch', (c) => ['--batch', '--forward', '--no-backup-if-mismatch', stripLevel(c.patch), '-i']),
  tool('patch -l (fuzz 2)', 'patch', (c) => ['--batch', '--forward', '--no-backup-if-mismatch', '-l', stripLevel(c.patch), '-i']),
  inProcess('jsdiff fuzzFactor 2', jsdiff(false)),
  inProcess('jsdiff fuzz 2, ws-insensitive compareLine', jsdiff(true)),
];

/** Runs one applier on one case in `dir` (emptied first) and judges the file it leaves. */
export async function runCase(applier: Applier, c: Case, dir: string): Promise<Outcome> {
  fs.rmSync(dir, { recursive: true, force: true });
  const root = path.join(dir, 'ws');
  const target = path.join(root, c.path);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, c.before);
  const patchFile = path.join(dir, 'change.patch');
  fs.writeFileSync(patchFile, c.patch);
  const ok = await applier.apply(root, patchFile, c);
  const after = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  return judge(ok, c, after);
}

export function judge(_ok: boolean, c: Case, after: string | undefined): Outcome {
  if (c.expected === null) return after === c.before ? 'correct' : 'wrong';
  if (after === c.expected) return 'correct';
  // A tool that failed but left the file half-patched has still written a wrong file.
  return after === c.before ? 'refused' : 'wrong';
}
