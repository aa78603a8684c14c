// codecompanion patch apply PATCH_FILE --cwd DIR [--dry-run] [--json]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyPatch, type PatchReport } from '../../core/patch/applyPatch';
import { parsePatchText, PatchParseError } from '../../core/patch/parsePatch';
import { parseCommandLine, UsageError, type CliCommand } from '../io';

const OPTIONS = { cwd: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } } as const;

export const patchCommand: CliCommand = {
  name: 'patch',
  usage: 'patch apply PATCH_FILE [--cwd DIR] [--dry-run] [--json]',
  summary: 'apply a CodePatch, unified diff or SEARCH/REPLACE file: all edits or none',
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    if (positionals[0] !== 'apply' || !positionals[1]) throw new UsageError('expected: patch apply PATCH_FILE');
    const root = path.resolve(io.cwd, values.cwd ?? '.');
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new UsageError(`--cwd ${values.cwd}: no such directory`);
    const file = path.resolve(io.cwd, positionals[1]);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new UsageError(`cannot read ${positionals[1]}`);
    }
    let report: PatchReport;
    try {
      report = await applyPatch(parsePatchText(text), { root, dryRun: values['dry-run'] ?? false });
    } catch (err) {
      if (err instanceof PatchParseError) throw new UsageError(err.message);
      throw err;
    }
    if (values.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else io.stdout.write(describe(report, values['dry-run'] ?? false));
    return report.ok ? 0 : 1;
  },
};

function describe(report: PatchReport, dryRun: boolean): string {
  const lines: string[] = [];
  for (const edit of report.edits) {
    if (edit.status === 'applied') {
      const where = edit.steps.map((s) => (s.startLine ? `${s.strategy} at ${s.startLine}-${s.endLine}` : s.strategy ?? '')).filter(Boolean).join(', ');
      lines.push(`  applied  ${edit.kind} ${edit.path}${where ? ` (${where})` : ''}`);
    } else lines.push(`  refused  ${edit.kind} ${edit.path}: ${edit.reason}`);
  }
  if (report.writeError) lines.push(`  ${report.writeError}`);
  const verdict = !report.ok ? 'refused: no file was changed' : dryRun ? `dry run: ${report.files.length} file(s) would change` : `applied: ${report.files.length} file(s) changed`;
  return `${lines.join('\n')}\n${verdict}\n`;
}
