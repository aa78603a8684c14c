// `codecompanion run --models-low/-medium/-high` and CODECOMPANION_MODELS_LOW/_MEDIUM/_HIGH: the CLI's
// models pinned per task complexity (the editor's codecompanion.models.low/medium/high), parsed
// strictly (exit 2, one line, nothing written) and driven through a whole run on the fake vendors.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFakeModelServer, type FakeModelServer } from '../../fakes/fakeModelServer';
import { FAKE_KEYS } from '../../fakes/fakeKeys';
import { sampleTeam } from '../../fakes/sampleTeam';
import { runCli } from '../../helpers/cliRunner';

const MODELS = 'anthropic:claude-sonnet-4-6,openai:gpt-5-mini,gemini:gemini-2.5-flash';

describe('CLI: models pinned per task complexity', function () {
  this.timeout(120_000);
  let server: FakeModelServer;
  before(async () => (server = await startFakeModelServer()));
  after(() => server.close());
  beforeEach(() => server.reset());

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    ANTHROPIC_API_KEY: FAKE_KEYS.anthropic,
    OPENAI_API_KEY: FAKE_KEYS.openai,
    GEMINI_API_KEY: FAKE_KEYS.gemini,
    ANTHROPIC_BASE_URL: server.urls.anthropic,
    OPENAI_BASE_URL: server.urls.openai,
    GEMINI_BASE_URL: server.urls.gemini,
    ...extra,
  });
  const sample = () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-pins-'));
    fs.cpSync(path.resolve(__dirname, '../../../samples/workspace'), root, { recursive: true });
    return root;
  };

  const bad: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
    ['a flag entry without a provider', ['--models-low', 'gpt-5-mini'], {}, /--models-low: 'gpt-5-mini' is not PROVIDER:MODEL/],
    ['a flag naming no model', ['--models-high', ' , '], {}, /--models-high names no model/],
    ['a flag with an unknown provider', ['--models-medium', 'azure:gpt-5'], {}, /--models-medium: 'azure:gpt-5' is not PROVIDER:MODEL/],
    ['a flag pinning a model the run may not use', ['--models-low', 'openai:gpt-4o'], {}, /--models-low: openai:gpt-4o is not among the models this run may use \(anthropic:claude-sonnet-4-6, openai:gpt-5-mini, gemini:gemini-2\.5-flash\)/],
    ['a variable entry without a provider', [], { CODECOMPANION_MODELS_HIGH: 'claude' }, /^codecompanion run: CODECOMPANION_MODELS_HIGH: 'claude' is not PROVIDER:MODEL/],
    ['a variable pinning a model the run may not use', [], { CODECOMPANION_MODELS_LOW: 'gemini:gemini-2.5-pro' }, /CODECOMPANION_MODELS_LOW: gemini:gemini-2\.5-pro is not among the models this run may use/],
    ['a flag given without a value', ['--models-low'], {}, /--models-low/],
  ];
  for (const [what, flags, vars, message] of bad) {
    it(`exits 2 on ${what}, naming it, before anything is called or written`, async () => {
      const cwd = sample();
      const r = await runCli(['run', 'an objective', '--models', MODELS, ...flags], { cwd, env: env(vars) });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.match(r.stderr.split('\n')[0]!, message, 'the reason is the first line');
      assert.equal(server.requests.length, 0, 'no model was called');
      assert.equal(fs.existsSync(path.join(cwd, '.codecompanion')), false, 'nothing was written');
    });
  }

  const routed = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: { taskId: string; role: string; provider: string; model: string; reason: string } })
      .filter((e) => e.type === 'task.routed' && (e.data.role === 'coder' || e.data.role === 'tester'));

  it('routes the low-complexity task only to the model pinned for low, the others as the router chooses', async () => {
    server.respond(sampleTeam);
    const r = await runCli(['run', 'add pagination to the users API', '--models', MODELS, '--models-low', 'gemini:gemini-2.5-flash', '--no-explore', '--json'], { cwd: sample(), env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /models pinned per task complexity: low → gemini:gemini-2\.5-flash/);
    const coders = routed(r.stdout);
    const docs = coders.filter((e) => e.data.taskId === 'document-api');
    assert.ok(docs.length > 0, 'the docs task (rated low by the sample planner) was routed');
    for (const e of docs) assert.equal(`${e.data.provider}:${e.data.model}`, 'gemini:gemini-2.5-flash');
    assert.match(docs[0]!.data.reason, /among 1 for low complexity \(pinned\)/);
    const others = coders.filter((e) => e.data.taskId !== 'document-api');
    assert.ok(others.length > 0);
    for (const e of others) assert.doesNotMatch(e.data.reason, /pinned/);
  });

  it('takes the pin from CODECOMPANION_MODELS_HIGH, and the flag over the variable', async () => {
    server.respond(sampleTeam);
    const r = await runCli(['run', 'add pagination to the users API', '--models', MODELS, '--models-high', 'openai:gpt-5-mini', '--no-explore', '--json'], {
      cwd: sample(),
      env: env({ CODECOMPANION_MODELS_HIGH: 'anthropic:claude-sonnet-4-6', CODECOMPANION_MODELS_MEDIUM: 'gemini:gemini-2.5-flash' }),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /models pinned per task complexity: medium → gemini:gemini-2\.5-flash; high → openai:gpt-5-mini/);
    const coders = routed(r.stdout);
    const high = coders.filter((e) => e.data.taskId === 'paginate-users');
    const medium = coders.filter((e) => e.data.taskId === 'test-pagination');
    assert.ok(high.length > 0 && medium.length > 0);
    for (const e of high) assert.equal(`${e.data.provider}:${e.data.model}`, 'openai:gpt-5-mini', 'the flag wins over CODECOMPANION_MODELS_HIGH');
    for (const e of medium) assert.equal(`${e.data.provider}:${e.data.model}`, 'gemini:gemini-2.5-flash');
    assert.match(high[0]!.data.reason, /for high complexity \(pinned\)/);
    assert.match(medium[0]!.data.reason, /for medium complexity \(pinned\)/);
  });
});
