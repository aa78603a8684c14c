// Configuration errors and bad numbers on the command line: exit 2 with one line naming what to fix
// (README: "2 usage or configuration error"), before anything is called or written.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../helpers/cliRunner';
import { envPricingProblem, invalidSettings, providerConfigFrom, readSettings } from '../../../src/app/editorSettings';
import { ENV_KEYS } from '../../../src/providers/config';
import { PricingTable } from '../../../src/providers/pricing';

const KEY = { OPENAI_API_KEY: 'fake-key-for-config-tests', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };

function workspace(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cc-config-'));
}

describe('CLI configuration errors exit 2', () => {
  const badEnv: [string, NodeJS.ProcessEnv, RegExp][] = [
    ['a negative price', { CODECOMPANION_PRICING: '{"openai":{"gpt-5-mini":{"input":-3,"output":1}}}' }, /CODECOMPANION_PRICING: openai\/gpt-5-mini: input must be a finite price >= 0 .*not -3/],
    ['an infinite price (1e400)', { CODECOMPANION_PRICING: '{"openai":{"gpt-5-mini":{"input":1,"output":1e400}}}' }, /output must be a finite price >= 0 .*not Infinity/],
    ['a negative cache price', { CODECOMPANION_PRICING: '{"openai":{"gpt-5-mini":{"input":1,"output":1,"cacheRead":-0.5}}}' }, /cacheRead must be a finite price >= 0/],
    ['a price that is not JSON', { CODECOMPANION_PRICING: '{openai:' }, /CODECOMPANION_PRICING is not valid JSON/],
    ['a price list that is an array', { CODECOMPANION_PRICING: '[1,2]' }, /CODECOMPANION_PRICING must be an object/],
    ['a price for an unknown provider', { CODECOMPANION_PRICING: '{"azure":{"x":{"input":1,"output":1}}}' }, /unknown provider 'azure'/],
    ['a model list entry without a provider', { CODECOMPANION_MODELS: 'gpt-5' }, /CODECOMPANION_MODELS: 'gpt-5' is not PROVIDER:MODEL/],
    ['an unknown fallback provider', { CODECOMPANION_FALLBACK: 'azure:gpt' }, /CODECOMPANION_FALLBACK names an unknown provider 'azure'/],
    ['a base URL that is not a URL', { OPENAI_BASE_URL: 'not a url' }, /OPENAI_BASE_URL is not a URL/],
  ];
  for (const [what, env, message] of badEnv) {
    const commands = env.CODECOMPANION_MODELS ? [['run', 'an objective'], ['providers', '--no-check']] : [['run', 'an objective'], ['ask', 'hi'], ['providers', '--no-check']];
    for (const argv of commands) {
      it(`${argv[0]}: ${what}`, async () => {
        const cwd = workspace();
        const r = await runCli(argv, { cwd, env: { ...KEY, ...env } });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.equal(fs.existsSync(path.join(cwd, '.codecompanion')), false, 'nothing was written');
      });
    }
  }

  it('run --models with an entry that is not PROVIDER:MODEL', async () => {
    const r = await runCli(['run', 'x', '--models', 'openai'], { cwd: workspace(), env: KEY });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--models: 'openai' is not PROVIDER:MODEL/);
  });

  it('run --models naming no model at all', async () => {
    const r = await runCli(['run', 'x', '--models', ' , '], { cwd: workspace(), env: KEY });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--models names no model/);
  });

  it('providers with nothing configured', async () => {
    const r = await runCli(['providers', '--no-check'], { env: {} });
    assert.equal(r.code, 2);
  });
});

describe('CLI numbers are parsed strictly', () => {
  const bad: [string[], RegExp][] = [
    [['--budget', ''], /--budget takes an amount in US dollars/],
    [['--budget', '0x10'], /not '0x10'/],
    [['--budget', '1e400'], /not '1e400'/],
    [['--budget', '1e2'], /not '1e2'/],
    [['--budget=-1'], /not '-1'/],
    [['--budget', ' 5'], /--budget takes/],
    [['--budget', 'Infinity'], /--budget takes/],
    [['--budget', 'NaN'], /--budget takes/],
    [['--daily-budget', '0b11'], /--daily-budget takes/],
    [['--rounds', '0x2'], /--rounds takes a whole number from 1 to 10/],
    [['--rounds', '2.0'], /--rounds takes a whole number/],
    [['--reviewers', ''], /--reviewers takes a whole number/],
    [['--check-timeout', '1e3'], /--check-timeout takes a whole number/],
  ];
  for (const [flags, message] of bad) {
    it(`refuses ${JSON.stringify(flags)}`, async () => {
      const cwd = workspace();
      const r = await runCli(['run', 'x', ...flags], { cwd, env: KEY });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(fs.existsSync(path.join(cwd, '.codecompanion')), false);
    });
  }

  it('accepts plain decimal dollars, with or without a $', async () => {
    // a budget too small for any call: the run starts, and the budget (not the parser) stops it
    for (const budget of ['0.000001', '$0.000001', '.000001']) {
      const r = await runCli(['run', 'x', '--budget', budget, '--json'], { cwd: workspace(), env: KEY });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /"budgetUsd":0\.000001/);
      assert.match(r.stdout, /"reason":"budget"/);
    }
  });

  it('ask --max-tokens and search --limit refuse hex and exponents', async () => {
    const a = await runCli(['ask', 'hi', '--max-tokens', '0x10'], { env: KEY });
    assert.equal(a.code, 2);
    assert.match(a.stderr, /--max-tokens takes a whole number/);
    const s = await runCli(['search', 'q', '--limit', '1e1', '--cwd', workspace()]);
    assert.equal(s.code, 2);
    assert.match(s.stderr, /--limit takes a whole number/);
  });
});

describe('editor price overrides', () => {
  it('drops a negative, infinite or malformed price and names it; the valid ones are used', () => {
    const raw = { openai: { good: { input: 1, output: 2 }, negative: { input: -3.53, output: 1 }, huge: { input: 1, output: Infinity }, text: { input: 'cheap', output: 1 } }, azure: { x: { input: 1, output: 1 } } };
    const settings = readSettings((k) => (k === 'pricing' ? raw : undefined));
    const env = { CODECOMPANION_PRICING: '{"openai":{"env":{"input":-1,"output":1}}}' };
    const book = new PricingTable(providerConfigFrom(settings, {}, env, ENV_KEYS).prices);
    assert.deepEqual(book.priceOf('openai', 'good'), { input: 1, output: 2 });
    assert.equal(book.priceOf('openai', 'negative'), undefined, 'refused: unknown, never negative');
    assert.equal(book.priceOf('openai', 'huge'), undefined);
    assert.equal(book.priceOf('openai', 'env'), undefined, 'the malformed variable is not used');
    const reasons = invalidSettings((k) => (k === 'pricing' ? raw : undefined)).map((i) => i.reason);
    assert.equal(reasons.length, 4, reasons.join('\n'));
    assert.match(reasons.join('\n'), /openai\/negative: input must be a finite price >= 0 .*not -3\.53/);
    assert.match(reasons.join('\n'), /openai\/huge: output must be a finite price >= 0 .*not Infinity/);
    assert.match(envPricingProblem(env) ?? '', /CODECOMPANION_PRICING: openai\/env: input must be a finite price >= 0.*; the variable is not used/);
    assert.equal(envPricingProblem({}), undefined);
  });
});
