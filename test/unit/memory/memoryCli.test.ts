import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../helpers/cliRunner';
import { startFakeModelServer, type FakeModelServer } from '../../fakes/fakeModelServer';
import { tempWorkspace } from './helpers';

const FILES = {
  'src/retry.ts': '/** Waits longer after each failed attempt, with jitter. */\nexport function backoffDelay(attempt: number): number {\n  return Math.random() * 2 ** attempt * 100;\n}\n',
  'src/tax.py': 'def vat(amount):\n    """Value added tax on an amount."""\n    return amount * 0.2\n',
  'notes.md': '# Notes\n\nNothing about retries here.\n',
};

describe('codecompanion index / search', () => {
  let server: FakeModelServer;
  before(async () => (server = await startFakeModelServer()));
  after(async () => server.close());

  it('indexes keyword-only without a provider, then searches as text and JSON', async () => {
    const root = tempWorkspace(FILES);
    const indexed = await runCli(['index', '--cwd', root]);
    assert.equal(indexed.code, 0, indexed.stderr);
    assert.match(indexed.stdout, /indexed 3 files .*3 added, 0 changed, 0 removed, 0 unchanged, 0 skipped/);
    assert.match(indexed.stdout, /keyword-only: no embedding provider is configured/);
    assert.ok(fs.existsSync(path.join(root, '.codecompanion', 'state.sqlite')));

    const text = await runCli(['search', 'retry delay after a failed attempt', '--cwd', root]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout.split('\n')[0]!, /^src\/retry\.ts:1-4 {2}backoffDelay /);
    assert.match(text.stderr, /keyword search over \d+ chunks/);

    const json = await runCli(['search', 'value added tax', '--cwd', root, '--json', '--limit', '1']);
    const parsed = JSON.parse(json.stdout) as { mode: string; hits: { path: string; symbol: string; startLine: number; endLine: number; keywordRank: number }[] };
    assert.equal(parsed.mode, 'keyword');
    assert.equal(parsed.hits.length, 1);
    assert.deepEqual([parsed.hits[0]!.path, parsed.hits[0]!.symbol, parsed.hits[0]!.startLine, parsed.hits[0]!.keywordRank], ['src/tax.py', 'vat', 1, 1]);

    fs.writeFileSync(path.join(root, 'notes.md'), '# Notes\n\nChanged.\n');
    const again = await runCli(['index', '--cwd', root]);
    assert.match(again.stdout, /0 added, 1 changed, 0 removed, 2 unchanged/);
  });

  it('uses the configured embedding provider: hybrid search through the OpenAI SDK', async () => {
    const root = tempWorkspace(FILES);
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.urls.openai };
    const indexed = await runCli(['index', '--cwd', root], { env });
    assert.equal(indexed.code, 0, indexed.stderr);
    assert.match(indexed.stdout, /\d+ chunk\(s\) embedded with openai:text-embedding-3-small/);
    // keywords match: they rank, and at the shipped vector weight (0) the query is not even embedded
    const embeds = () => server.requests.filter((r) => r.kind === 'embed').length;
    const before = embeds();
    const json = await runCli(['search', 'backoff attempt jitter', '--cwd', root, '--json'], { env });
    const parsed = JSON.parse(json.stdout) as { mode: string; hits: { symbol: string; keywordRank: number | null; vectorRank: number | null }[] };
    assert.equal(parsed.mode, 'hybrid');
    assert.deepEqual([parsed.hits[0]!.symbol, parsed.hits[0]!.keywordRank, parsed.hits[0]!.vectorRank], ['backoffDelay', 1, null]);
    assert.equal(embeds(), before);
    // no keyword at all ('with' and 'each' are stop words): the query is embedded and the vectors rank
    const byVector = JSON.parse((await runCli(['search', 'with each', '--cwd', root, '--json'], { env })).stdout) as typeof parsed;
    assert.equal(byVector.mode, 'hybrid');
    assert.equal(byVector.hits[0]!.symbol, 'backoffDelay');
    assert.equal(typeof byVector.hits[0]!.vectorRank, 'number');
    assert.equal(embeds(), before + 1);
    // the same index without the provider still answers, on keywords
    const keyword = JSON.parse((await runCli(['search', 'backoff', '--cwd', root, '--json'])).stdout) as { mode: string; hits: { symbol: string }[] };
    assert.equal(keyword.mode, 'keyword');
    assert.equal(keyword.hits[0]!.symbol, 'backoffDelay');
  });

  it('run remembers every patch decision with its reasons and the run summary, searchable afterwards', async () => {
    const root = tempWorkspace({});
    const run = await runCli(['run', '--sample', '--cwd', root, '--json'], { env: {} });
    assert.equal(run.code, 0, run.stderr);
    const found = JSON.parse((await runCli(['search', 'document the users API', '--cwd', root, '--json', '--limit', '20'])).stdout) as {
      hits: { source: string; kind: string; text: string; path: string }[];
    };
    const kinds = found.hits.filter((h) => h.source === 'run').map((h) => h.kind);
    assert.ok(kinds.includes('patch-reject') && kinds.includes('patch-accept') && kinds.includes('run-summary'), kinds.join(', '));
    const rejected = found.hits.find((h) => h.kind === 'patch-reject')!;
    assert.match(rejected.text, /^Patch rejected: .*\nObjective: add pagination to the users API\n[\s\S]*Reasons:\n- /);
    assert.match(rejected.path, /^run-/);
  });

  it('explains what to do when nothing is indexed, and rejects bad arguments', async () => {
    const root = tempWorkspace(FILES);
    const empty = await runCli(['search', 'anything', '--cwd', root]);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /nothing is indexed .* run 'codecompanion index' first/);
    assert.equal((await runCli(['search', '--cwd', root])).code, 2);
    assert.equal((await runCli(['search', 'x', '--limit', 'many', '--cwd', root])).code, 2);
  });
});
