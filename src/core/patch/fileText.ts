// A file's text as lines, with what must survive an edit kept aside: BOM, line endings (line by
// line when a file mixes them), final newline.

export type Eol = '\n' | '\r\n';

export interface FileText {
  readonly lines: string[];
  readonly bom: boolean;
  /** The file's usual line ending: what new lines get. */
  readonly eol: Eol;
  /** Only for a file that mixes endings: each line's own, kept in step with `lines` by the planner. */
  eols?: Eol[];
  finalNewline: boolean;
  /** The exact text this was parsed from (BOM included): what encodeFile gives back until an edit. */
  readonly source?: string;
}

export class UndecodableFileError extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // keep the BOM: we restore it

export function decodeFile(bytes: Uint8Array): FileText {
  const sample = bytes.subarray(0, 8192);
  if (sample.includes(0)) throw new UndecodableFileError('it looks binary (contains NUL bytes)');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new UndecodableFileError('it is not valid UTF-8');
  }
  const bom = text.startsWith('\uFEFF');
  if (bom) text = text.slice(1);
  return parseText(text, bom);
}

/** Text that arrives from a model or a settings file: LF or CRLF, no BOM. */
export function parseText(text: string, bom = false): FileText {
  const { lf, crlf } = countEndings(text);
  const eol = crlf > 0 && crlf * 2 >= lf ? '\r\n' : '\n';
  const normalized = crlf > 0 ? text.replace(/\r\n/g, '\n') : text;
  const finalNewline = normalized.endsWith('\n');
  const lines = normalized === '' ? [] : (finalNewline ? normalized.slice(0, -1) : normalized).split('\n');
  const source = (bom ? '\uFEFF' : '') + text;
  if (crlf === 0 || crlf === lf) return { lines, bom, eol, finalNewline, source };
  // mixed: each line keeps its own ending (the last one's matters only with a final newline)
  const raw = text.split('\n');
  const eols: Eol[] = lines.map((_, i) => (i < raw.length - 1 ? (raw[i]!.endsWith('\r') ? '\r\n' : '\n') : eol));
  return { lines, bom, eol, eols, finalNewline, source };
}

/** Line feeds, and how many of them end a CRLF, counted without building a match array. */
function countEndings(text: string): { lf: number; crlf: number } {
  let lf = 0;
  let crlf = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) {
    lf++;
    if (at > 0 && text.charCodeAt(at - 1) === 13) crlf++;
  }
  return { lf, crlf };
}

export function encodeFile(file: FileText): string {
  const n = file.lines.length;
  let body: string;
  if (file.eols && file.eols.length === n) {
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(file.lines[i]!, i < n - 1 || file.finalNewline ? file.eols[i]! : '');
    body = parts.join('');
  } else body = file.lines.join(file.eol) + (file.finalNewline && n > 0 ? file.eol : '');
  return (file.bom ? '\uFEFF' : '') + body;
}

/** Splits a block of model text into lines; one trailing newline ends the last line, not a new one. */
export function blockLines(text: string): string[] {
  const normalized = text.replace(/\r\n/g, '\n');
  if (normalized === '') return [];
  return (normalized.endsWith('\n') ? normalized.slice(0, -1) : normalized).split('\n');
}
