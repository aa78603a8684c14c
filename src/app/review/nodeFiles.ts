// The review's files on disk (the CLI): read as the patch engine reads them, written through the
// patch engine (its path rules, temp file and rename), one file at a time so each one is whole.
import * as fs from 'node:fs';
import { applyPatch } from '../../core/patch/applyPatch';
import { SensitivePaths } from '../../core/patch/sensitivePaths';
import { resolveInside } from '../../core/patch/writeGuard';
import type { FileEdit } from '../../core/patch/codePatch';
import { decodeFile, encodeFile, type FileText } from '../../core/patch/fileText';
import type { FileOperation } from './checkpoint';
import type { ReviewFiles } from './reviewService';

export class NodeReviewFiles implements ReviewFiles {
  constructor(
    private readonly root: string,
    /** Called after each file is written (tests crash there). */
    private readonly afterFile: (path: string) => void = () => undefined,
    /**
     * Sensitive files (.vscode/, workflows, .env…) change only when the user named their hunks: a
     * decision by id is explicit, `--all` is not, and is refused for them with the rule named.
     */
    private readonly sensitive: { readonly paths: SensitivePaths; readonly explicit: boolean } = { paths: new SensitivePaths(), explicit: false },
  ) {}

  read(path: string): FileText | undefined {
    const bytes = this.bytes(path);
    return bytes === undefined ? undefined : decodeFile(bytes);
  }

  text(path: string): string | undefined {
    const file = this.read(path);
    return file === undefined ? undefined : encodeFile({ ...file, bom: false });
  }

  async write(operations: readonly FileOperation[], label: string): Promise<void> {
    for (const op of operations) {
      const edits: FileEdit[] = [];
      if (op.kind === 'write') {
        const now = this.read(op.path);
        if (!now) throw new Error(`${label}: ${op.path} is gone`);
        edits.push({ kind: 'replaceFile', path: op.path, content: encodeFile({ ...now, lines: [...op.after], bom: false }) });
      } else if (op.kind === 'create') edits.push({ kind: 'create', path: op.path, content: op.content });
      else if (op.kind === 'delete') edits.push({ kind: 'delete', path: op.path });
      else {
        edits.push({ kind: 'rename', path: op.from, to: op.to });
        edits.push({ kind: 'replaceFile', path: op.to, content: op.content });
      }
      const touched = op.kind === 'rename' ? [op.from, op.to] : [op.path];
      const allow = this.sensitive.explicit ? new Set(touched) : new Set<string>();
      const report = await applyPatch({ summary: label, edits }, { root: this.root, sensitive: { paths: this.sensitive.paths, mode: 'refuse', allow } });
      if (!report.written) {
        const why = report.writeError ?? report.edits.find((e) => e.status === 'refused')?.reason ?? 'the patch engine refused it';
        throw new Error(`${label}: ${op.kind === 'rename' ? op.to : op.path}: ${why}`);
      }
      this.afterFile(op.kind === 'rename' ? op.to : op.path);
    }
  }

  private bytes(path: string): Uint8Array | undefined {
    try {
      const abs = resolveInside(this.root, path);
      if (!fs.statSync(abs).isFile()) return undefined;
      return fs.readFileSync(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw err;
    }
  }
}
