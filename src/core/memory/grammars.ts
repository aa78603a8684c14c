// Loads web-tree-sitter and the prebuilt grammars from tree-sitter-wasms, once per process and
// lazily per language. The wasm files are found next to the bundle (dist/) or in node_modules.
// tree-sitter-wasms 0.1.13 was built by tree-sitter-cli 0.20 (emscripten 2), whose side modules
// carry the legacy `dylink` section; web-tree-sitter 0.26+ only reads `dylink.0`. The payload is
// the same four numbers, so the section is rewritten in memory before loading (upstream issue
// tree-sitter/tree-sitter#5171); everything after it is left as built.
import * as fs from 'node:fs';
import * as path from 'node:path';
// require, not import: bundled as CommonJS, an import would pull in the ESM build, which needs import.meta.url
import TreeSitter = require('web-tree-sitter');

type Parser = TreeSitter.Parser;
const { Language, Parser } = TreeSitter;

export type LanguageId = 'typescript' | 'tsx' | 'javascript' | 'python' | 'go' | 'rust' | 'java';

/** The grammar files this build ships (esbuild.config.mjs copies exactly these to dist/). */
export const GRAMMAR_FILES: Record<LanguageId, string> = {
  typescript: 'tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-tsx.wasm',
  javascript: 'tree-sitter-javascript.wasm',
  python: 'tree-sitter-python.wasm',
  go: 'tree-sitter-go.wasm',
  rust: 'tree-sitter-rust.wasm',
  java: 'tree-sitter-java.wasm',
};

const EXTENSIONS: Record<string, LanguageId> = {
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.jsx': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.py': 'python',
  '.go': 'go',
  '.rs': 'rust',
  '.java': 'java',
};

export function languageOf(file: string): LanguageId | undefined {
  if (file.endsWith('.d.ts')) return 'typescript';
  return EXTENSIONS[path.extname(file).toLowerCase()];
}

let runtime: Promise<void> | undefined;
const languages = new Map<LanguageId, Promise<TreeSitter.Language>>();

/** A parser for the language; throws if its grammar cannot be found or loaded. */
export async function parserFor(id: LanguageId): Promise<Parser> {
  runtime ??= Parser.init({ wasmBinary: fs.readFileSync(locate('web-tree-sitter.wasm', 'web-tree-sitter')) } as object);
  await runtime;
  let language = languages.get(id);
  if (!language) {
    language = Language.load(upgradeDylink(fs.readFileSync(locate(GRAMMAR_FILES[id], 'tree-sitter-wasms'))));
    languages.set(id, language);
    language.catch(() => languages.delete(id));
  }
  const parser = new Parser();
  parser.setLanguage(await language);
  return parser;
}

function locate(file: string, pkg: 'web-tree-sitter' | 'tree-sitter-wasms'): string {
  const sub = pkg === 'tree-sitter-wasms' ? 'out' : '';
  const candidates = [
    path.join(__dirname, file),
    path.join(__dirname, '..', 'dist', file),
    path.join(process.cwd(), 'dist', file),
    path.join(process.cwd(), 'node_modules', pkg, sub, file),
  ];
  try {
    const entry = pkg === 'tree-sitter-wasms' ? require.resolve('tree-sitter-wasms/package.json') : require.resolve('web-tree-sitter');
    candidates.push(path.join(path.dirname(entry), sub, file));
  } catch {
    // bundled: require.resolve cannot see node_modules; the candidates above cover dist/
  }
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`the grammar file ${file} is missing (looked in ${candidates.join(', ')}): reinstall CodeCompanion`);
  return found;
}

/** Rewrites a legacy `dylink` custom section as `dylink.0` (a WASM_DYLINK_MEM_INFO subsection). */
export function upgradeDylink(binary: Uint8Array): Uint8Array {
  if (binary.length < 12 || binary[8] !== 0) return binary;
  let [size, pos] = readLeb(binary, 9);
  const end = pos + size;
  let nameLength: number;
  [nameLength, pos] = readLeb(binary, pos);
  if (Buffer.from(binary.subarray(pos, pos + nameLength)).toString('latin1') !== 'dylink') return binary;
  pos += nameLength;
  const memInfo: number[] = [];
  for (let i = 0; i < 4; i++) {
    let value: number;
    [value, pos] = readLeb(binary, pos);
    memInfo.push(...writeLeb(value));
  }
  const name = [...Buffer.from('dylink.0', 'latin1')];
  const payload = [...writeLeb(name.length), ...name, 1, ...writeLeb(memInfo.length), ...memInfo];
  // Dependencies (the legacy section's needed-libraries list) are empty in every grammar we ship.
  return Buffer.concat([binary.subarray(0, 8), Buffer.from([0, ...writeLeb(payload.length), ...payload]), binary.subarray(end)]);
}

function readLeb(buf: Uint8Array, offset: number): [number, number] {
  let result = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = buf[offset++]!;
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [result, offset];
}

function writeLeb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}
