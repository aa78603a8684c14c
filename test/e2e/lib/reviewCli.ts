// The review as the CLI sees it (`codecompanion review --json`), for UI tests that must know what a
// decision made in the editor did: which hunks are pending, accepted or being applied, with their lines.
// The CLI reads the same workspace database the editor writes (a read; the editor keeps the writer).
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import type { RunReviewView } from '../../../src/app/review/reviewView';

export type CliHunk = RunReviewView['patches'][number]['hunks'][number];

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

/** Every hunk of every run with something in review (pending, or being applied), in each patch's order. */
export function reviewHunks(folder: string): Promise<CliHunk[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'review', '--json', '--cwd', folder], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`codecompanion review --json failed: ${err.message} ${stderr.slice(-500)}`));
      try {
        resolve((JSON.parse(stdout) as RunReviewView[]).flatMap((run) => run.patches.flatMap((p) => p.hunks)));
      } catch (e) {
        reject(new Error(`codecompanion review --json printed no JSON (${(e as Error).message}): ${stdout.slice(0, 300)}`));
      }
    });
  });
}

/**
 * The text a file has once exactly this hunk (of a modify) is accepted into `text`, the file it was
 * proposed against: its old lines, where the hunk says they start, become its new lines. Computed
 * here from the hunk alone, not with the product's code, so a test can hold the product to it.
 */
export function withHunk(text: string, hunk: CliHunk): string {
  if (hunk.action !== 'modify') throw new Error(`withHunk takes a hunk of a modified file, not a ${hunk.action}`);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(eol);
  const start = hunk.startLine - 1;
  const there = lines.slice(start, start + hunk.oldLines.length);
  if (JSON.stringify(there) !== JSON.stringify(hunk.oldLines)) throw new Error(`hunk ${hunk.id} does not fit the file it was proposed against at line ${hunk.startLine}: ${JSON.stringify(there)} is not ${JSON.stringify(hunk.oldLines)}`);
  lines.splice(start, hunk.oldLines.length, ...hunk.newLines);
  return lines.join(eol);
}
