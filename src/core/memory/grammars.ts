// Loads web-tree-sitter and the grammars from @vscode/tree-sitter-wasm (the ones VS Code itself ships,
// built by tree-sitter-cli 0.25 for the ABI web-tree-sitter 0.27 reads), once per process and lazily per
// language. The wasm files are found next to the bundle (dist/) or in node_modules.
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
    language = Language.load(fs.readFileSync(locate(GRAMMAR_FILES[id], '@vscode/tree-sitter-wasm')));
    languages.set(id, language);
    language.catch(() => languages.delete(id));
  }
  const parser = new Parser();
  parser.setLanguage(await language);
  return parser;
}

function locate(file: string, pkg: 'web-tree-sitter' | '@vscode/tree-sitter-wasm'): string {
  const sub = pkg === '@vscode/tree-sitter-wasm' ? 'wasm' : '';
  const candidates = [
    path.join(__dirname, file),
    path.join(__dirname, '..', 'dist', file),
    path.join(process.cwd(), 'dist', file),
    path.join(process.cwd(), 'node_modules', pkg, sub, file),
  ];
  try {
    const entry = pkg === '@vscode/tree-sitter-wasm' ? require.resolve('@vscode/tree-sitter-wasm/package.json') : require.resolve('web-tree-sitter');
    candidates.push(path.join(path.dirname(entry), sub, file));
  } catch {
    // bundled: require.resolve cannot see node_modules; the candidates above cover dist/
  }
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`the grammar file ${file} is missing (looked in ${candidates.join(', ')}): reinstall CodeCompanion`);
  return found;
}
