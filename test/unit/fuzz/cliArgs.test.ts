// Property-based fuzzing of the CLI's argument parsing: parseCommandLine under random option tables
// and argument vectors, the strict number parsers, and whole commands started with random arguments.
// Always a parsed command line or a UsageError (exit 2 with one line and the usage); never a crash, a
// stack trace or a hang.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { parseCommandLine, UsageError, usdAmount, wholeNumber } from '../../../src/cli/io';
import { runCli } from '../../helpers/cliRunner';
import { FUZZ_SEED, fuzzRuns, recordFuzzInputs } from './budget';

const NAMES = ['cwd', 'budget', 'json', 'apply', 'reason', 'models', 'limit', 'dry-run', 'no-check', 'x'];
const optionTable = fc.dictionary(fc.constantFrom(...NAMES), fc.record({ type: fc.constantFrom('string' as const, 'boolean' as const), multiple: fc.boolean(), short: fc.option(fc.constantFrom('j', 'a', 'c'), { nil: undefined }) }), { maxKeys: 6 }).map((table) => {
  // node:util refuses a config with one short letter twice; that is a programming error, not input
  const seen = new Set<string>();
  for (const o of Object.values(table)) {
    if (o.short && seen.has(o.short)) delete o.short;
    else if (o.short) seen.add(o.short);
    if (o.short === undefined) delete o.short;
  }
  return table;
});
const token = fc.oneof(
  fc.constantFrom(...NAMES.map((n) => `--${n}`), '--', '-', '-j', '-ac', '--budget=', '--=x', '---x', '--no-json', '-1', '0x10', '1e400', '', ' ', '\u0000', '--help'),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(...NAMES).chain((n) => fc.string({ maxLength: 8 }).map((v) => `--${n}=${v}`)),
);

describe('fuzz: CLI argument parsing', function () {
  this.timeout(120_000);

  it('parseCommandLine: declared options with their types, or a UsageError', () => {
    const runs = fuzzRuns(6000);
    fc.assert(
      fc.property(optionTable, fc.array(token, { maxLength: 10 }), (options, argv) => {
        let parsed;
        try {
          parsed = parseCommandLine(argv, options);
        } catch (err) {
          assert.ok(err instanceof UsageError, `not a UsageError: ${String(err)}`);
          assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
          return;
        }
        for (const [name, value] of Object.entries(parsed.values)) {
          const o = options[name];
          assert.ok(o, `undeclared option ${name}`);
          const values = o.multiple ? (value as unknown[]) : [value];
          for (const v of values) assert.equal(typeof v, o.type);
        }
        for (const p of parsed.positionals) assert.equal(typeof p, 'string');
      }),
      { numRuns: runs, seed: FUZZ_SEED },
    );
    recordFuzzInputs('cli', runs);
  });

  it('numbers: decimal digits in range, or a UsageError; never hex, exponents, blanks or signs', () => {
    const runs = fuzzRuns(4000);
    const numberish = fc.oneof(fc.string({ maxLength: 14 }), fc.double().map(String), fc.integer().map(String), fc.constantFrom('0x10', '1e400', '-1', '', ' 1', '1 ', '$', '$.', '.5', '5.', '0b1', '0o7', 'Infinity', '1_000', '٣'));
    fc.assert(
      fc.property(numberish, (text) => {
        for (const parse of [() => wholeNumber(text, '--n', 1, 1000), () => usdAmount(text, '--budget')]) {
          try {
            const n = parse();
            assert.ok(Number.isFinite(n) && n >= 0);
            assert.match(text, /^\$?[0-9.]+$/, `accepted '${text}'`);
          } catch (err) {
            assert.ok(err instanceof UsageError, String(err));
          }
        }
      }),
      { numRuns: runs, seed: FUZZ_SEED },
    );
    recordFuzzInputs('cli', runs);
  });

  it('whole commands with random arguments: exit 0-4 with at most a message and the usage, no stack', async () => {
    const runs = fuzzRuns(120);
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-fuzz-cli-'));
    // commands that end quickly with no provider configured (no network, no --sample demo)
    const command = fc.constantFrom('run', 'resume', 'revise', 'runs', 'events', 'replay', 'patch', 'ask', 'providers', 'db', 'search', 'nope');
    const arg = fc.oneof(token, fc.constantFrom('--budget', '--rounds', '--reviewers', '--limit', '--max-tokens', '--consensus', 'apply', 'status', 'move-aside', '/dev/zero', '--replay', '--models'));
    await fc.assert(
      fc.asyncProperty(command, fc.array(arg, { maxLength: 6 }), async (name, rest) => {
        const argv = [name, ...rest.filter((a) => a !== '--sample' && a !== '--help' && a !== '-h')];
        const r = await runCli(argv, { cwd, env: {} });
        assert.ok([0, 1, 2, 3, 4].includes(r.code), `exit ${r.code} for ${JSON.stringify(argv)}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, `a stack trace for ${JSON.stringify(argv)}`);
        assert.ok(r.stderr.trim().split('\n').length <= 3, `one message (and the usage) for ${JSON.stringify(argv)}: ${r.stderr}`);
      }),
      { numRuns: runs, seed: FUZZ_SEED },
    );
    recordFuzzInputs('cli', runs);
  });
});
