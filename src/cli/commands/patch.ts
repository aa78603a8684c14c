// codecompanion patch apply PATCH_FILE --cwd DIR [--dry-run] [--json] [--allow-sensitive PATH ...]
import * as path from 'node:path';
import { applyPatch, normalize, type PatchReport } from '../../core/patch/applyPatch';
import { parsePatchText, PatchParseError } from '../../core/patch/parsePatch';
import { SENSITIVE_PATHS_ENV, SensitivePaths } from '../../core/patch/sensitivePaths';
import { MiB, readInputText } from '../../core/inputFile';
import { parseCommandLine, UsageError, type CliCommand, resolveWorkspace } from '../io';

const OPTIONS = { cwd: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, 'allow-sensitive': { type: 'string', multiple: true } } as const;

/** A patch file larger than this is not a patch a model wrote (and /dev/zero never ends). */
export const MAX_PATCH_BYTES = 16 * MiB;

export const patchCommand: CliCommand = {
  name: 'patch',
  usage: 'patch apply PATCH_FILE [--cwd DIR] [--dry-run] [--json] [--allow-sensitive PATH ...]',
  summary: 'apply a CodePatch, unified diff or SEARCH/REPLACE file: all edits or none (never .git/ or .codecompanion/; a sensitive file only when named)',
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    if (positionals[0] !== 'apply' || !positionals[1]) throw new UsageError('expected: patch apply PATCH_FILE');
    const root = resolveWorkspace(io.cwd, values.cwd);
    const text = readInputText(path.resolve(io.cwd, positionals[1]), { what: `the patch file ${positionals[1]}`, maxBytes: MAX_PATCH_BYTES });
    const allow = new Set((values['allow-sensitive'] ?? []).map(normalize));
    let report: PatchReport;
    try {
      const sensitive = { paths: SensitivePaths.fromList(io.env[SENSITIVE_PATHS_ENV]), allow, mode: 'refuse' as const };
      report = await applyPatch(parsePatchText(text), { root, dryRun: values['dry-run'] ?? false, sensitive });
    } catch (err) {
      if (err instanceof PatchParseError) throw new UsageError(err.message);
      throw err;
    }
    if (values.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else io.stdout.write(describe(report, values['dry-run'] ?? false));
    return report.ok ? 0 : 1;
  },
};

/** The patch file's text: a regular file of sane size, never a FIFO or a device that blocks or never ends. */
function describe(report: PatchReport, dryRun: boolean): string {
  const lines: string[] = [];
  let sensitive = false;
  for (const edit of report.edits) {
    if (edit.status === 'applied') {
      const where = edit.steps.map((s) => (s.startLine ? `${s.strategy} at ${s.startLine}-${s.endLine}` : s.strategy ?? '')).filter(Boolean).join(', ');
      lines.push(`  applied  ${edit.kind} ${edit.path}${where ? ` (${where})` : ''}`);
    } else {
      lines.push(`  refused  ${edit.kind} ${edit.path}: ${edit.reason}`);
      sensitive ||= / is a sensitive path \(rule /.test(edit.reason ?? '');
    }
  }
  if (sensitive) lines.push('  to apply a sensitive file, name it: --allow-sensitive PATH (once per file)');
  if (report.writeError) lines.push(`  ${report.writeError}`);
  const verdict = !report.ok ? (report.writeError ? 'failed: see above for what was restored' : 'refused: no file was changed') : dryRun ? `dry run: ${report.files.length} file(s) would change` : `applied: ${report.files.length} file(s) changed`;
  return `${lines.join('\n')}\n${verdict}\n`;
}
