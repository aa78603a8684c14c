import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chunkFile } from '../../../src/core/memory/chunker';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const summary = (chunks: Awaited<ReturnType<typeof chunkFile>>) => chunks.map((c) => `${c.kind} ${c.symbol ?? '-'} ${c.startLine}-${c.endLine}`);

describe('memory chunker', () => {
  it('cuts TypeScript at functions, classes and methods, each with its doc comment', async () => {
    const src = [
      "import { x } from './x';", // 1
      '', // 2
      '/** Adds two numbers. */', // 3
      'export function add(a: number, b: number): number {', // 4
      '  return a + b;', // 5
      '}', // 6
      '', // 7
      '// Holds the count.', // 8
      'export class Counter {', // 9
      '  private n = 0;', // 10
      '  /** Increments. */', // 11
      '  inc(): void {', // 12
      '    this.n++;', // 13
      '  }', // 14
      '}', // 15
      'export const twice = (f: () => void) => { f(); f(); };', // 16
      'interface Shape { area(): number }', // 17
    ].join('\n');
    const chunks = await chunkFile('src/a.ts', src);
    assert.deepEqual(summary(chunks), ['block - 1-1', 'function add 3-6', 'class Counter 8-15', 'function twice 16-16', 'interface Shape 17-17']);
    assert.ok(chunks[1]!.text.startsWith('/** Adds two numbers. */\nexport function add'));
  });

  it('opens a class longer than the limit into its methods and keeps its own lines under its name', async () => {
    const methods = Array.from({ length: 6 }, (_, i) => `  /** Method ${i}. */\n  m${i}(): number {\n${'    let v = 1;\n'.repeat(5)}    return v + ${i};\n  }`).join('\n');
    const src = `export class Big {\n  private field = 1;\n${methods}\n}\n`;
    const chunks = await chunkFile('big.ts', src, { maxLines: 20 });
    const methodsFound = chunks.filter((c) => c.kind === 'method').map((c) => c.symbol);
    assert.deepEqual(methodsFound, ['Big.m0', 'Big.m1', 'Big.m2', 'Big.m3', 'Big.m4', 'Big.m5']);
    const header = chunks.find((c) => c.kind === 'class')!;
    assert.equal(header.symbol, 'Big');
    assert.match(header.text, /export class Big \{\n {2}private field = 1;/);
    for (const m of chunks.filter((c) => c.kind === 'method')) assert.match(m.text, /^ {2}\/\*\* Method \d\. \*\/\n {2}m\d\(\)/);
  });

  it('chunks the real sources of this repository along their definitions', async () => {
    const file = 'src/core/orchestrator/runState.ts';
    const chunks = await chunkFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'));
    const symbols = chunks.map((c) => c.symbol);
    for (const s of ['RunState', 'initialRunState', 'projectRun', 'evolve']) assert.ok(symbols.includes(s), `${s} in ${symbols.join(', ')}`);
    const evolve = chunks.find((c) => c.symbol === 'evolve')!;
    assert.match(evolve.text, /export function evolve\(/);
  });

  it('chunks Python, including decorated definitions and methods of a long class', async () => {
    const src = [
      'import os', // 1
      '', // 2
      '@cache', // 3
      'def load(path):', // 4
      '    """Reads the file."""', // 5
      '    return open(path).read()', // 6
      '', // 7
      'class Store:', // 8
      '    def get(self, key):', // 9
      '        return self.data[key]', // 10
      '', // 11
      '    def put(self, key, value):', // 12
      '        self.data[key] = value', // 13
    ].join('\n');
    assert.deepEqual(summary(await chunkFile('a.py', src)), ['block - 1-1', 'function load 3-6', 'class Store 8-13']);
    const opened = await chunkFile('a.py', src, { maxLines: 4 });
    assert.deepEqual(
      opened.filter((c) => c.kind !== 'block').map((c) => `${c.kind} ${c.symbol}`),
      ['function load', 'class Store', 'function Store.get', 'function Store.put'],
    );
  });

  it('chunks Go functions, methods and types', async () => {
    const src = [
      'package store', // 1
      '', // 2
      '// Store keeps values.', // 3
      'type Store struct {', // 4
      '\tdata map[string]string', // 5
      '}', // 6
      '', // 7
      '// Get returns the value.', // 8
      'func (s *Store) Get(key string) string {', // 9
      '\treturn s.data[key]', // 10
      '}', // 11
      '', // 12
      'func New() *Store { return &Store{data: map[string]string{}} }', // 13
    ].join('\n');
    assert.deepEqual(summary(await chunkFile('store.go', src)), ['block - 1-1', 'type Store 3-6', 'method Get 8-11', 'function New 13-13']);
  });

  it('chunks Rust items and opens a long impl into its functions', async () => {
    const src = [
      '/// A point.', // 1
      'pub struct Point { x: i32, y: i32 }', // 2
      '', // 3
      'impl Point {', // 4
      '    /// Makes one.', // 5
      '    pub fn new(x: i32, y: i32) -> Self {', // 6
      '        Point { x, y }', // 7
      '    }', // 8
      '    pub fn sum(&self) -> i32 {', // 9
      '        self.x + self.y', // 10
      '    }', // 11
      '}', // 12
    ].join('\n');
    assert.deepEqual(summary(await chunkFile('p.rs', src)), ['struct Point 1-2', 'impl Point 4-12']);
    const opened = await chunkFile('p.rs', src, { maxLines: 5 });
    assert.deepEqual(summary(opened).filter((s) => s.startsWith('function')), ['function Point.new 5-8', 'function Point.sum 9-11']);
  });

  it('chunks JavaScript module-pattern code: functions inside a long IIFE are their own chunks', async () => {
    const inner = Array.from({ length: 8 }, (_, i) => `  /**\n   * Helper ${i}.\n   */\n  function helper${i}(v) {\n    return v * ${i};\n  }`).join('\n\n');
    const src = `;(function() {\n  var runInContext = (function runInContext(context) {\n${inner}\n    return helper1;\n  });\n}.call(this));\n`;
    const chunks = await chunkFile('lib.js', src, { maxLines: 20 });
    const helpers = chunks.filter((c) => c.symbol?.startsWith('runInContext.helper'));
    assert.equal(helpers.length, 8);
    assert.match(helpers[3]!.text, /\* Helper 3\.\n {3}\*\/\n {2}function helper3\(v\)/);
  });

  it('chunks Java classes into methods when long', async () => {
    const src = `public class Greeter {\n  private String name;\n  /** Greets. */\n  public String greet() {\n    return "hi " + name;\n  }\n  public Greeter(String n) { name = n; }\n}\n`;
    const chunks = await chunkFile('Greeter.java', src, { maxLines: 4 });
    assert.deepEqual(chunks.filter((c) => c.kind === 'method').map((c) => c.symbol), ['Greeter.greet', 'Greeter.Greeter']);
  });

  it('chunks TSX components, JSX included, along their functions', async () => {
    const src = `import React from 'react';\n\nexport function Badge({ n }: { n: number }) {\n  return <span className="badge">{n}</span>;\n}\n\nexport interface Props { title: string }\n`;
    const chunks = await chunkFile('Badge.tsx', src);
    assert.deepEqual(summary(chunks).filter((c) => !c.startsWith('block')), ['function Badge 3-5', 'interface Props 7-7']);
  });

  it('cuts text without a grammar into overlapping line windows, trimmed of blank lines', async () => {
    const lines = Array.from({ length: 130 }, (_, i) => (i >= 120 ? '' : `line ${i + 1} of the notes`));
    const chunks = await chunkFile('notes.md', lines.join('\n'), { windowLines: 50, overlap: 10 });
    assert.deepEqual(summary(chunks), ['block - 1-50', 'block - 41-90', 'block - 81-120']);
    assert.ok(chunks.every((c) => c.contentHash.length === 64));
  });
});
