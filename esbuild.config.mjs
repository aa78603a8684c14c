// Bundles the entry points: the extension's small entry and its host (CJS, `vscode` external; the
// entry requires dist/host.js at run time, so a command's first prompt needs only the entry), the headless CLI
// (CJS with a shebang) and the webview (browser IIFE). The heavy libraries the host and the CLI use
// only for some work (the tokenizer's tables, each vendor SDK, the Redis client) are bundles of their
// own, required on first use, so loading the host costs little. Runtime assets (sql.js's wasm,
// grammars, codicons) are copied next to the bundles so the .vsix and the CLI need no node_modules.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none' };

// The OpenTelemetry SDK is its own bundle (dist/telemetry.js), required only when export is on:
// src/telemetry/loadTelemetry.ts's import('./openTelemetry') stays a runtime require of it.
const lazyTelemetry = {
  name: 'lazy-telemetry',
  setup(build) {
    build.onResolve({ filter: /^\.\/openTelemetry$/ }, (args) => (args.importer.endsWith('loadTelemetry.ts') ? { path: './telemetry.js', external: true } : undefined));
  },
};

// A library the sources require where they first need it (never a static import at a module's top,
// test/unit/architecture.test.ts checks), bundled alone and left a run-time require in the others.
const LAZY = {
  'gpt-tokenizer': 'tokenizer.js',
  '@anthropic-ai/sdk': 'sdk-anthropic.js',
  openai: 'sdk-openai.js',
  '@google/genai': 'sdk-gemini.js',
  redis: 'redis.js',
};
const lazyPackages = {
  name: 'lazy-packages',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(LAZY).map((k) => k.replace(/[/.]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: `./${LAZY[args.path]}`, external: true }));
  },
};

// The CLI's commands that bring SDKs, redis or fastify are their own bundle (dist/cliCommands.js):
// src/cli/main.ts's import('./heavyCommands') stays a runtime require of it, so `review` starts without them.
const lazyCliCommands = {
  name: 'lazy-cli-commands',
  setup(build) {
    build.onResolve({ filter: /^\.\/heavyCommands$/ }, (args) => (args.importer.endsWith('main.ts') ? { path: './cliCommands.js', external: true } : undefined));
  },
};

const builds = [
  { ...common, entryPoints: ['src/vscode/main.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] },
  { ...common, entryPoints: ['src/vscode/extension.ts'], outfile: 'dist/host.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], plugins: [lazyTelemetry, lazyPackages] },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', banner: { js: '#!/usr/bin/env node' }, plugins: [lazyTelemetry, lazyPackages, lazyCliCommands] },
  { ...common, entryPoints: ['src/cli/heavyCommands.ts'], outfile: 'dist/cliCommands.js', platform: 'node', format: 'cjs', target: 'node20', plugins: [lazyTelemetry, lazyPackages] },
  { ...common, entryPoints: ['src/telemetry/openTelemetry.ts'], outfile: 'dist/telemetry.js', platform: 'node', format: 'cjs', target: 'node20' },
  ...Object.entries(LAZY).map(([pkg, file]) => ({ ...common, stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: '.', loader: 'js' }, outfile: `dist/${file}`, platform: 'node', format: 'cjs', target: 'node20' })),
  { ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
];

const assets = [
  ['node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm'],
  ['node_modules/@vscode/codicons/dist/codicon.css', 'dist/codicon.css'],
  ['node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/codicon.ttf'],
  ['webview/style.css', 'dist/webview.css'],
  // "Try the Sample" in the editor: the recorded session, its settings and the workspace it was recorded on
  ['samples/workspace', 'dist/sample/workspace'],
  ['samples/session.jsonl', 'dist/sample/session.jsonl'],
  ['samples/sample.json', 'dist/sample/sample.json'],
  // the workspace memory's chunker: web-tree-sitter's runtime and the grammars in src/core/memory/grammars.ts
  ['node_modules/web-tree-sitter/web-tree-sitter.wasm', 'dist/web-tree-sitter.wasm'],
  ...['typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java'].map((l) => [`node_modules/@vscode/tree-sitter-wasm/wasm/tree-sitter-${l}.wasm`, `dist/tree-sitter-${l}.wasm`]),
];

mkdirSync('dist', { recursive: true });
for (const [from, to] of assets) if (existsSync(from)) cpSync(from, to, { recursive: true });

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
