// The extensionTestsPath entry: mocha inside the Node extension host of a real VS Code. Each result
// is printed with a [cc-e2e] tag (the runner echoes those from the browser console) and the whole
// report is written to CC_E2E_RESULTS, so the runner never depends on console forwarding alone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

interface TestResult {
  readonly title: string;
  readonly state: 'passed' | 'failed';
  readonly ms: number;
  readonly error?: string;
}

const say = (line: string) => console.log(`[cc-e2e] ${line}`);

class E2eReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const results: TestResult[] = [];
    runner.on('pass', (t) => {
      results.push({ title: t.fullTitle(), state: 'passed', ms: t.duration ?? 0 });
      say(`  ok   ${t.fullTitle()} (${t.duration ?? 0} ms)`);
    });
    runner.on('fail', (t, err: Error) => {
      results.push({ title: t.fullTitle(), state: 'failed', ms: t.duration ?? 0, error: `${err.message}\n${(err.stack ?? '').split('\n').slice(1, 6).join('\n')}` });
      say(`  FAIL ${t.fullTitle()}: ${err.message}`);
    });
    runner.on('end', () => {
      const out = process.env.CC_E2E_RESULTS;
      if (out) fs.writeFileSync(out, JSON.stringify({ mode: process.env.CC_E2E_MODE ?? 'trusted', results }, null, 2));
    });
  }
}

/** Files that build on each other run in this order; any other test file runs after them. */
const ORDER = ['activation', 'apiKey', 'review', 'secretsAfterRun', 'sendBack', 'memory', 'resume', 'reviewRun'];
const rank = (f: string) => {
  const i = ORDER.indexOf(f.replace(/\.test\.js$/, ''));
  return i < 0 ? ORDER.length : i;
};

export async function run(): Promise<void> {
  const untrusted = process.env.CC_E2E_MODE === 'untrusted';
  // CC_E2E_GREP runs only the tests whose title matches (while working on one)
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false, reporter: E2eReporter, ...(process.env.CC_E2E_GREP ? { grep: process.env.CC_E2E_GREP } : {}) });
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js') && f.startsWith('untrusted') === untrusted)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  say(`running ${files.join(', ')} (${untrusted ? 'untrusted' : 'trusted'} workspace)`);
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} extension-host test(s) failed`);
}
