// The layering in the brief, checked on every import: core and providers never see vscode; core
// never imports an adapter; the webview imports only the protocol (and its own files and libraries).
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Every TypeScript file under dir; a missing or empty layer fails the test rather than passing it unseen. */
function sourceFiles(dir: string): string[] {
  const files = walk(dir);
  if (files.length === 0) throw new Error(`${dir} has no TypeScript files: the layer moved or was renamed, update this test`);
  return files;
}

function walk(dir: string): string[] {
  const entries = readdirSync(path.join(ROOT, dir));
  return entries.flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return walk(rel);
    return /\.(ts|tsx|mts)$/.test(name) ? [rel] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  return specs;
}

function resolvedLayer(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const target = path.normalize(path.join(path.dirname(file), spec));
  const parts = target.split(path.sep);
  return parts[0] === 'src' ? `src/${parts[1]}` : parts[0];
}

function violations(dir: string, forbidden: (spec: string, layer: string | undefined) => boolean): string[] {
  return sourceFiles(dir).flatMap((file) =>
    importsOf(file)
      .filter((spec) => forbidden(spec, resolvedLayer(file, spec)))
      .map((spec) => `${file} imports '${spec}'`),
  );
}

/**
 * What the engine may use from outside itself: plain Node and a few libraries with no I/O of their own
 * beyond what is listed. A new entry is a design decision (does it belong behind a port?), not a chore.
 */
const CORE_NODE_MODULES = ['node:child_process', 'node:crypto', 'node:events', 'node:fs', 'node:fs/promises', 'node:os', 'node:path', 'node:util'];
const CORE_NPM_MODULES = ['zod', 'gpt-tokenizer', 'ignore', 'p-queue', 'web-tree-sitter'];

describe('architecture boundaries', () => {
  it('src/core imports neither vscode nor any adapter layer', () => {
    const bad = violations('src/core', (spec, layer) => spec === 'vscode' || (layer !== undefined && layer !== 'src/core'));
    assert.deepEqual(bad, []);
  });

  it('src/core imports only the node and npm modules listed here', () => {
    const allowed = new Set([...CORE_NODE_MODULES, ...CORE_NPM_MODULES]);
    const bad = violations('src/core', (spec, layer) => layer === undefined && !allowed.has(spec));
    assert.deepEqual(bad, []);
  });

  it('fails on a layer that is missing instead of passing it unseen', () => {
    assert.throws(() => violations('src/no-such-layer', () => true), /ENOENT/);
    assert.ok(sourceFiles('src/core').length > 10);
  });

  it('only src/vscode imports vscode', () => {
    const bad = ['src/core', 'src/providers', 'src/storage', 'src/app', 'src/cli', 'src/protocol', 'src/server', 'src/team', 'webview'].flatMap((dir) =>
      violations(dir, (spec) => spec === 'vscode'),
    );
    assert.deepEqual(bad, []);
  });

  it('providers and storage depend only on core (and themselves)', () => {
    for (const dir of ['src/providers', 'src/storage']) {
      const bad = violations(dir, (_spec, layer) => layer !== undefined && layer !== dir && layer !== 'src/core');
      assert.deepEqual(bad, [], dir);
    }
  });

  it('core and providers know OpenTelemetry only through the telemetry port; src/telemetry adapts it', () => {
    const sdk = ['src/core', 'src/providers', 'src/storage', 'src/app', 'src/cli', 'src/vscode', 'src/protocol', 'webview'].flatMap((dir) =>
      violations(dir, (spec) => spec.startsWith('@opentelemetry/')),
    );
    assert.deepEqual(sdk, []);
    const bad = violations('src/telemetry', (_spec, layer) => layer !== undefined && layer !== 'src/telemetry' && layer !== 'src/core');
    assert.deepEqual(bad, []);
    // the SDK module is loaded lazily: nothing imports it statically but the loader's dynamic import
    const eager = ['src/app', 'src/cli', 'src/vscode', 'src/telemetry'].flatMap((dir) =>
      sourceFiles(dir).filter((f) => /(?:^|\n)\s*import\s[^;]*from\s+['"][^'"]*\/openTelemetry['"]/.test(readFileSync(path.join(ROOT, f), 'utf8'))),
    );
    assert.deepEqual(eager, []);
  });

  it('the libraries bundled apart (tokenizer, vendor SDKs, Redis) are required where first used, never imported for their values at a module top', () => {
    // esbuild.config.mjs leaves them run-time requires of their own bundles: a value import at the top
    // would load them with the host and bring back the wait before the first command's prompt
    const lazy = ['gpt-tokenizer', '@anthropic-ai/sdk', 'openai', '@google/genai', 'redis'];
    const eager = ['src', 'webview'].flatMap((dir) =>
      sourceFiles(dir).flatMap((f) => [...readFileSync(path.join(ROOT, f), 'utf8').matchAll(/(?:^|\n)\s*import\s+(?!type\s)[^;]*?from\s+['"]([^'"]+)['"]/g)].filter((m) => lazy.includes(m[1]!)).map((m) => `${f} imports '${m[1]}'`)),
    );
    assert.deepEqual(eager, []);
  });

  it('src/app (shared host logic) never imports the CLI or the editor adapter', () => {
    const bad = violations('src/app', (_spec, layer) => layer === 'src/cli' || layer === 'src/vscode');
    assert.deepEqual(bad, []);
  });

  it('the API server and the team bus are hosts/adapters: neither reaches the CLI or the editor; Fastify and Redis stay in them', () => {
    const hostBad = violations('src/server', (spec, layer) => spec === 'vscode' || layer === 'src/cli' || layer === 'src/vscode');
    assert.deepEqual(hostBad, []);
    const teamBad = violations('src/team', (_spec, layer) => layer !== undefined && layer !== 'src/team' && layer !== 'src/core');
    assert.deepEqual(teamBad, []);
    const others = ['src/core', 'src/providers', 'src/storage', 'src/app', 'src/cli', 'src/vscode', 'src/protocol', 'webview'];
    assert.deepEqual(others.flatMap((dir) => violations(dir, (spec) => spec === 'fastify' || spec.startsWith('@fastify/') || spec === 'fastify-type-provider-zod')), []);
    assert.deepEqual([...others, 'src/server'].flatMap((dir) => violations(dir, (spec) => spec === 'redis' || spec.startsWith('@redis/'))), []);
  });

  it('the webview reaches the host only through src/protocol', () => {
    const bad = violations('webview', (_spec, layer) => layer !== undefined && layer !== 'webview' && layer !== 'src/protocol');
    assert.deepEqual(bad, []);
  });

  it('the protocol depends on nothing but zod/mini and core modules without zod (the webview bundles it: full zod would be most of that bundle)', () => {
    const bad = violations('src/protocol', (spec, layer) => (layer !== undefined && layer !== 'src/protocol' && layer !== 'src/core') || (layer === undefined && spec !== 'zod/mini'));
    assert.deepEqual(bad, []);
    const coreWithZod = violations('src/protocol', (spec, layer) => layer === 'src/core' && /from\s+['"]zod['"]/.test(readFileSync(path.join(ROOT, 'src/protocol', `${spec}.ts`), 'utf8')));
    assert.deepEqual(coreWithZod, []);
  });
});
