// The libraries the host and the CLI need only for some work are bundles of their own, required on
// first use (esbuild.config.mjs): loading dist/host.js is then what the first command may wait behind,
// and it must not carry the tokenizer's tables, a vendor SDK or the Redis client.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FAKE_KEYS } from '../../fakes/fakeKeys';
import { startFakeModelServer } from '../../fakes/fakeModelServer';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DIST = path.join(ROOT, 'dist');

/** Each lazy bundle, a string only its library's code has, and a value it must export. */
const LAZY = [
  { file: 'tokenizer.js', marker: 'o200k', exports: 'countTokens' },
  { file: 'sdk-anthropic.js', marker: 'anthropic-version', exports: 'Anthropic' },
  { file: 'sdk-openai.js', marker: 'OpenAI-Organization', exports: 'OpenAI' },
  { file: 'sdk-gemini.js', marker: 'x-goog-api-client', exports: 'GoogleGenAI' },
  { file: 'redis.js', marker: 'RedisClient', exports: 'createClient' },
];

describe('editor: the libraries bundled apart and loaded on first use', function () {
  this.timeout(60_000);

  it('dist/host.js and the CLI require them at run time and carry none of their code', () => {
    // the CLI's entry (dist/cli.js) needs none of them; its other commands (dist/cliCommands.js) require them
    for (const f of ['host.js', 'cliCommands.js', 'cli.js']) {
      const text = fs.readFileSync(path.join(DIST, f), 'utf8');
      for (const l of LAZY) {
        assert.ok(!text.includes(l.marker), `${f} bundles the code of ${l.file} ("${l.marker}")`);
        if (f !== 'cli.js') assert.ok(text.includes(`require("./${l.file}")`), `${f} never requires ./${l.file}`);
      }
    }
  });

  it('each bundle loads on its own in plain Node and exports what the sources require from it', () => {
    for (const l of LAZY) {
      const r = spawnSync(process.execPath, ['-e', `const m = require(${JSON.stringify(path.join(DIST, l.file))}); process.stdout.write(typeof m[${JSON.stringify(l.exports)}]);`], { encoding: 'utf8', env: { PATH: process.env.PATH } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'function', `${l.file} does not export ${l.exports}`);
      assert.ok(fs.readFileSync(path.join(DIST, l.file), 'utf8').includes(l.marker), `${l.file} is not the library it names`);
    }
  });

  it('the built CLI asks each vendor through its SDK bundle (against the fake vendor servers)', async () => {
    const server = await startFakeModelServer();
    try {
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, ANTHROPIC_BASE_URL: server.urls.anthropic, OPENAI_BASE_URL: server.urls.openai, GEMINI_BASE_URL: server.urls.gemini, ANTHROPIC_API_KEY: FAKE_KEYS.anthropic, OPENAI_API_KEY: FAKE_KEYS.openai, GEMINI_API_KEY: FAKE_KEYS.gemini };
      for (const provider of ['anthropic', 'openai', 'gemini']) {
        server.enqueue({ text: `answer from ${provider}`, chunks: 2, usage: { input: 5, output: 3, cacheRead: 0, cacheWrite: 0 } });
        const r = await run(process.execPath, [path.join(DIST, 'cli.js'), 'ask', 'one question', '--provider', provider], env);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `answer from ${provider}\n`);
      }
    } finally {
      await server.close();
    }
  });

  it('the .vsix ships them next to dist/host.js', () => {
    const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n');
    for (const l of LAZY) assert.ok(ignore.some((line) => line.startsWith('!dist/') && new RegExp(`^${line.slice(1).replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*')}$`).test(`dist/${l.file}`)), `.vscodeignore does not ship dist/${l.file}`);
  });
});

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
