// The entry bundle (src/vscode/main.ts → dist/extension.js) is what a cold window loads before the
// first prompt: it must not reach the engine, the database, the SDKs or the views.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Files reached through value imports (not `import type`), resolved relative to the repo. */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*import\s+(?!type\s)[^;]*?from\s+['"](\.[^'"]+)['"]/g)) {
      const base = path.normalize(path.join(path.dirname(file), m[1]!));
      const target = ['.ts', '/index.ts', '.json'].map((ext) => base + ext).find((f) => existsSync(path.join(ROOT, f)));
      if (target && target.endsWith('.ts')) walk(target);
    }
  };
  walk(entry);
  return seen;
}

describe('editor: the entry bundle', () => {
  it('reaches neither the engine, the storage, the SDK adapters nor the views', () => {
    const files = [...reachable('src/vscode/main.ts')];
    const heavy = files.filter((f) => /^src\/(storage|cli)\//.test(f) || /^src\/app\/(engine|workspaceStore|dashboard)/.test(f) || /^src\/providers\/(?!config|pricing)/.test(f) || /^src\/vscode\/(views|review|memory|runController|extension|editorModels|lmProvider)/.test(f) || /^src\/core\/(orchestrator|memory|router)\//.test(f));
    assert.deepEqual(heavy, []);
    assert.ok(files.includes('src/vscode/commands/objectivePrompt.ts'), 'the objective prompt is in the entry bundle');
  });

  it('the build bundles the host apart and ships the sample with the extension', () => {
    const config = readFileSync(path.join(ROOT, 'esbuild.config.mjs'), 'utf8');
    assert.match(config, /entryPoints: \['src\/vscode\/main\.ts'\], outfile: 'dist\/extension\.js'/);
    assert.match(config, /entryPoints: \['src\/vscode\/extension\.ts'\], outfile: 'dist\/host\.js'/);
    const ignore = readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n');
    for (const shipped of ['!dist/host.js', '!dist/sample/**']) assert.ok(ignore.includes(shipped), `.vscodeignore does not ship ${shipped}`);
    for (const f of ['samples/session.jsonl', 'samples/sample.json', 'samples/workspace/package.json']) assert.match(config, new RegExp(f.split('/').slice(0, 2).join('/').replace('.', '\\.')), `esbuild.config.mjs copies no ${f}`);
  });
});
