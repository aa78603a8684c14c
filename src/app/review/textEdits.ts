// Line replacements as character-range text edits on a document, the shape VS Code's WorkspaceEdit
// takes. The end of a file without a final newline has no line after it, so a replacement that
// reaches the end is anchored on the last character instead.
import { replacementsBetween, type LineReplacement } from './hunks';

export interface TextRangeEdit {
  readonly startLine: number;
  readonly startChar: number;
  readonly endLine: number;
  readonly endChar: number;
  readonly text: string;
}

export interface DocumentLines {
  readonly lines: readonly string[];
  readonly eol: '\n' | '\r\n';
  readonly finalNewline: boolean;
}

export function toTextEdit(doc: DocumentLines, r: LineReplacement): TextRangeEdit {
  const { lines, eol } = doc;
  const n = lines.length;
  if (r.end < n || doc.finalNewline || n === 0) {
    const text = r.lines.map((l) => l + eol).join('');
    return { startLine: r.start, startChar: 0, endLine: r.end, endChar: 0, text: n === 0 && !doc.finalNewline ? text.slice(0, text.length - eol.length) : text };
  }
  const last = n - 1;
  const lastLen = lines[last]!.length;
  if (r.start === n) return { startLine: last, startChar: lastLen, endLine: last, endChar: lastLen, text: r.lines.map((l) => eol + l).join('') };
  if (r.lines.length === 0 && r.start > 0) return { startLine: r.start - 1, startChar: lines[r.start - 1]!.length, endLine: last, endChar: lastLen, text: '' };
  return { startLine: r.start, startChar: 0, endLine: last, endChar: lastLen, text: r.lines.join(eol) };
}

/** The minimal text edits turning a document's lines into `target`. */
export function textEditsTo(doc: DocumentLines, target: readonly string[]): TextRangeEdit[] {
  return replacementsBetween(doc.lines, target).map((r) => toTextEdit(doc, r));
}

/** Applies text edits (non-overlapping, against the same original) to a text: for tests and previews. */
export function applyTextEdits(text: string, edits: readonly TextRangeEdit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const offset = (line: number, ch: number) => (line < starts.length ? starts[line]! + ch : text.length);
  let out = text;
  for (const e of [...edits].sort((a, b) => b.startLine - a.startLine || b.startChar - a.startChar)) out = out.slice(0, offset(e.startLine, e.startChar)) + e.text + out.slice(offset(e.endLine, e.endChar));
  return out;
}
