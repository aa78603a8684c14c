// Splits a file into retrieval chunks. Code in a language we have a grammar for is cut along syntax
// boundaries: each function, method, class, interface or type is a chunk with its leading doc
// comment; a definition too long for one chunk is opened up (a class into its methods) or cut into
// line windows; code between definitions (imports, top-level statements) becomes line windows.
// Any other text, and code whose parse fails, is cut into overlapping line windows.
import { createHash } from 'node:crypto';
import type { Node } from 'web-tree-sitter';
import { languageOf, parserFor, type LanguageId } from './grammars';
import type { ChunkInput } from './memoryPort';

export interface ChunkOptions {
  /** A definition longer than this is split. */
  readonly maxLines?: number;
  /** Line windows for text without syntax: this many lines, overlapping by `overlap`. */
  readonly windowLines?: number;
  readonly overlap?: number;
}

const DEFAULTS = { maxLines: 150, windowLines: 60, overlap: 10 };

interface Definition {
  readonly kind: string;
}

const TS_LIKE: Record<string, Definition> = {
  function_declaration: { kind: 'function' },
  generator_function_declaration: { kind: 'function' },
  method_definition: { kind: 'method' },
  abstract_method_signature: { kind: 'method' },
  class_declaration: { kind: 'class' },
  abstract_class_declaration: { kind: 'class' },
  interface_declaration: { kind: 'interface' },
  type_alias_declaration: { kind: 'type' },
  enum_declaration: { kind: 'enum' },
  module: { kind: 'namespace' },
  internal_module: { kind: 'namespace' },
};

const DEFINITIONS: Record<LanguageId, Record<string, Definition>> = {
  typescript: TS_LIKE,
  tsx: TS_LIKE,
  javascript: TS_LIKE,
  python: { function_definition: { kind: 'function' }, class_definition: { kind: 'class' }, decorated_definition: { kind: 'function' } },
  go: { function_declaration: { kind: 'function' }, method_declaration: { kind: 'method' }, type_declaration: { kind: 'type' } },
  rust: {
    function_item: { kind: 'function' },
    impl_item: { kind: 'impl' },
    trait_item: { kind: 'trait' },
    struct_item: { kind: 'struct' },
    enum_item: { kind: 'enum' },
    mod_item: { kind: 'module' },
    macro_definition: { kind: 'macro' },
  },
  java: {
    class_declaration: { kind: 'class' },
    interface_declaration: { kind: 'interface' },
    enum_declaration: { kind: 'enum' },
    record_declaration: { kind: 'class' },
    method_declaration: { kind: 'method' },
    constructor_declaration: { kind: 'method' },
  },
};

/** `const f = () => …` and `const f = function …` are functions too. */
const VARIABLE_DECLARATIONS = new Set(['lexical_declaration', 'variable_declaration']);
const FUNCTION_VALUES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);
/** Nodes that only wrap a definition: `export …`, decorators, Python's `@decorator`. */
const WRAPPERS = new Set(['export_statement', 'ambient_declaration']);

interface Span {
  start: number; // 0-based, inclusive
  end: number;
  kind: string;
  symbol: string | undefined;
}

export function contentHash(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function chunkFile(file: string, text: string, options: ChunkOptions = {}): Promise<ChunkInput[]> {
  const o = { ...DEFAULTS, ...options };
  const lines = text.split('\n');
  const language = languageOf(file);
  let spans: Span[] | undefined;
  if (language) {
    try {
      spans = await syntaxSpans(language, text, o.maxLines);
    } catch {
      spans = undefined; // a grammar that cannot load or parse this file: line windows still index it
    }
  }
  const out: ChunkInput[] = [];
  for (const s of fillGaps(spans ?? [], lines, o.windowLines, o.overlap)) {
    const body = lines.slice(s.start, s.end + 1).join('\n');
    // a leftover closing brace or `end` is not worth a chunk
    if (body.replace(/[\s{}()[\];,]/g, '').length < 4) continue;
    out.push({ path: file, startLine: s.start + 1, endLine: s.end + 1, symbol: s.symbol, kind: s.kind, contentHash: contentHash(body), text: body });
  }
  return out;
}

async function syntaxSpans(language: LanguageId, text: string, maxLines: number): Promise<Span[]> {
  const parser = await parserFor(language);
  try {
    const tree = parser.parse(text);
    if (!tree) throw new Error('parse failed');
    try {
      const spans: Span[] = [];
      collect(tree.rootNode, DEFINITIONS[language], undefined, maxLines, spans);
      return spans.sort((a, b) => a.start - b.start);
    } finally {
      tree.delete();
    }
  } finally {
    parser.delete();
  }
}

function collect(parent: Node, defs: Record<string, Definition>, scope: string | undefined, maxLines: number, out: Span[]): void {
  let docStart: number | undefined;
  let previousEnd = -2;
  for (const child of parent.namedChildren) {
    if (!child) continue;
    if (child.type === 'comment' || child.type === 'line_comment' || child.type === 'block_comment') {
      // a run of comments directly above a definition is its doc comment
      if (docStart === undefined || child.startPosition.row > previousEnd + 1) docStart = child.startPosition.row;
      previousEnd = child.endPosition.row;
      continue;
    }
    const leading = docStart !== undefined && child.startPosition.row <= previousEnd + 1 ? docStart : undefined;
    docStart = undefined;
    previousEnd = child.endPosition.row;
    const def = definitionOf(child, defs);
    if (!def) {
      // definitions nest in blocks we do not chunk on their own (a namespace body, `declare module`)
      if (child.namedChildCount > 0 && child.endPosition.row - child.startPosition.row >= maxLines) collect(child, defs, scope, maxLines, out);
      continue;
    }
    const start = leading ?? child.startPosition.row;
    const end = child.endPosition.row;
    const symbol = qualified(scope, def.name);
    if (end - start + 1 <= maxLines) {
      out.push({ start, end, kind: def.kind, symbol });
      continue;
    }
    // Too long: its nested definitions (a class's methods, the functions inside a module-pattern
    // IIFE) are chunks of their own, and its remaining lines (header, fields) are chunked under its name.
    const inner: Span[] = [];
    collect(def.node, defs, symbol, maxLines, inner);
    out.push(...inner, ...gapsWithin(start, end, inner, def.kind, symbol, maxLines));
  }
}

interface FoundDefinition {
  readonly kind: string;
  readonly name: string | undefined;
  readonly node: Node;
}

function definitionOf(node: Node, defs: Record<string, Definition>): FoundDefinition | undefined {
  if (WRAPPERS.has(node.type)) {
    const inner = node.namedChildren.find((c) => c && (defs[c.type] || VARIABLE_DECLARATIONS.has(c.type)));
    return inner ? definitionOf(inner, defs) : undefined;
  }
  const def = defs[node.type];
  if (def) {
    const target = node.type === 'decorated_definition' ? node.childForFieldName('definition') ?? node : node;
    const kind = node.type === 'decorated_definition' && target.type === 'class_definition' ? 'class' : def.kind;
    return { kind, name: nameOf(target), node: target };
  }
  if (VARIABLE_DECLARATIONS.has(node.type)) {
    const declarator = node.namedChildren.find((c) => c?.type === 'variable_declarator');
    let value = declarator?.childForFieldName('value');
    while (value?.type === 'parenthesized_expression') value = value.namedChildren[0] ?? undefined;
    if (value && FUNCTION_VALUES.has(value.type)) return { kind: 'function', name: declarator?.childForFieldName('name')?.text, node };
    if (value?.type === 'class') return { kind: 'class', name: declarator?.childForFieldName('name')?.text, node: value };
  }
  return undefined;
}

function nameOf(node: Node): string | undefined {
  const name = node.childForFieldName('name') ?? node.childForFieldName('type');
  if (name) return name.text.split('\n')[0]!.slice(0, 120);
  // Go: `type X struct` holds its name in a type_spec
  const spec = node.namedChildren.find((c) => c?.type === 'type_spec');
  return spec?.childForFieldName('name')?.text;
}

function qualified(scope: string | undefined, name: string | undefined): string | undefined {
  if (!name) return scope;
  return scope ? `${scope}.${name}` : name;
}

function gapsWithin(start: number, end: number, inner: readonly Span[], kind: string, symbol: string | undefined, maxLines: number): Span[] {
  const out: Span[] = [];
  let cursor = start;
  const push = (from: number, to: number) => {
    for (let s = from; s <= to; s += maxLines) out.push({ start: s, end: Math.min(to, s + maxLines - 1), kind, symbol });
  };
  for (const s of [...inner].sort((a, b) => a.start - b.start)) {
    if (s.start > cursor) push(cursor, s.start - 1);
    cursor = Math.max(cursor, s.end + 1);
  }
  if (cursor <= end) push(cursor, end);
  return out;
}

/** Everything no span covers becomes line windows; blank-only stretches are dropped. */
function fillGaps(spans: readonly Span[], lines: readonly string[], windowLines: number, overlap: number): Span[] {
  const out: Span[] = [];
  const covered = new Uint8Array(lines.length);
  for (const s of spans) {
    out.push(s);
    covered.fill(1, s.start, s.end + 1);
  }
  for (let i = 0; i < lines.length; ) {
    if (covered[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && !covered[j]) j++;
    // the stretch [i, j): windows over it, trimmed of blank lines at both ends
    for (let s = i; s < j; s += windowLines - overlap) {
      let a = s;
      let b = Math.min(j, s + windowLines) - 1;
      while (a <= b && !lines[a]!.trim()) a++;
      while (b >= a && !lines[b]!.trim()) b--;
      if (a <= b) out.push({ start: a, end: b, kind: 'block', symbol: undefined });
      if (s + windowLines >= j) break;
    }
    i = j;
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}
