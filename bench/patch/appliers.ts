// The appliers compared on each case: this engine, `git apply` (strict and lenient) and GNU patch
// (default fuzz, and ignoring whitespace). Each runs in a fresh directory holding only the target
// file; the outcome is judged by the bytes left on disk, never by what the tool says.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { applyPatch } from '../../src/core/patch/applyPatch';
import { parsePatchText, PatchParseError } from '../../src/core/patch/parsePatch';
import type { Case } from './damage';

const run = promisify(execFile);

export type Outcome = 'correct' | 'refused' | 'wrong';

export interface Applier {
  readonly name: string;
  readonly formats: readonly Case['format'][];
  /** Applies the patch file to the workspace; true when the tool reports success. */
  apply(root: string, patchFile: string): Promise<boolean>;
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

const tool = (name: string, cmd: string, args: readonly string[]): Applier => ({
  name,
  formats: ['diff'],
  apply: (root, patchFile) => exitsZero(cmd, [...args, patchFile], root),
});

export const APPLIERS: readonly Applier[] = [
  engine,
  tool('git apply', 'git', ['apply']),
  tool('git apply --recount -C1 --ignore-ws', 'git', ['apply', '--recount', '-C1', '--ignore-whitespace']),
  tool('patch (fuzz 2)', 'patch', ['--batch', '--forward', '--no-backup-if-mismatch', '-p1', '-i']),
  tool('patch -l (fuzz 2)', 'patch', ['--batch', '--forward', '--no-backup-if-mismatch', '-l', '-p1', '-i']),
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
  const ok = await applier.apply(root, patchFile);
  const after = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  return judge(ok, c, after);
}

export function judge(_ok: boolean, c: Case, after: string | undefined): Outcome {
  if (c.expected === null) return after === c.before ? 'correct' : 'wrong';
  if (after === c.expected) return 'correct';
  // A tool that failed but left the file half-patched has still written a wrong file.
  return after === c.before ? 'refused' : 'wrong';
}
