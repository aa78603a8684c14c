// The e2e runner: the packaged extension inside a real VS Code (code-server 4.100.3) with headless
// Debian chromium as the client and the loopback fake model servers as the vendors.
//   npm run test:e2e     (env: CC_E2E_WORK work folder, CC_E2E_CACHE code-server cache, CC_E2E_ONLY=host,ui,onboarding,untrusted)
// Phases, each on a fresh copy of samples/workspace and its own code-server process group:
//   host       mocha inside the extension host (test/e2e/suite/*.test.ts)
//   ui         the palette, the dashboard webview and the CodeLens through chromium (test/e2e/ui/)
//   onboarding no key and no folder: the three ways in, then Try the Sample end to end (ui/onboardingTests.ts)
//   untrusted  the extension-host suite for restricted mode (suite/untrusted*.test.ts)
//   ui-current the ui phase again on a current VS Code (code-server CURRENT_CS, run by its own Node from npm):
//              engines.vscode is ^1.100.0, so both ends of what users run are walked; artifacts/current/
// Exits non-zero if any phase fails; prints each step's time.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { seedBigRun } from './lib/bigRun';
import { runExtensionTests } from './lib/browser';
import { installExtension, startCodeServer, type CodeServer } from './lib/codeServer';
import { startFakeModels, type FakeModels } from './lib/modelEnv';
import { runOnboardingTests } from './ui/onboardingTests';
import { runUiTests } from './ui/uiTests';

const ROOT = path.resolve(__dirname, '../..');
const WORK = path.resolve(process.env.CC_E2E_WORK ?? path.join(ROOT, '.e2e'));
const RUN = path.join(WORK, 'run');
const ARTIFACTS = path.join(RUN, 'artifacts');
const EXTENSION_ID = 'codecompanion.codecompanion';
const ONLY = process.env.CC_E2E_ONLY?.split(',');
/** The oldest VS Code the extension supports (engines.vscode), and a current one. */
const BASE_CS = process.env.CS_VERSION ?? '4.100.3';
const CURRENT_CS = process.env.CC_E2E_CURRENT_CS ?? '4.117.0';
const wanted = (phase: string) => !ONLY || ONLY.includes(phase);

const started = Date.now();
const timings: Array<[string, number]> = [];
const say = (line: string) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);

async function step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = Date.now();
  say(`${name} ...`);
  try {
    return await fn();
  } finally {
    timings.push([name, Date.now() - t0]);
  }
}

function sh(cmd: string, args: string[], opts: { cwd?: string; quiet?: boolean; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, encoding: 'utf8', stdio: ['ignore', 'pipe', opts.quiet ? 'pipe' : 'inherit'], maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${(r.stdout ?? '').slice(-3000)}${(r.stderr ?? '').slice(-3000)}`);
  return r.stdout;
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.emptyWindow': false,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'editor.codeLens': true,
};

function freshWorkspace(name: string): string {
  const dir = path.join(RUN, 'workspaces', name);
  fs.cpSync(path.join(ROOT, 'samples/workspace'), dir, { recursive: true });
  return dir;
}

interface PhaseResult {
  readonly phase: string;
  readonly passed: number;
  readonly failed: number;
  readonly notes: string[];
}

async function withServer<T>(phase: string, o: { home: string; extensionsDir: string; models: FakeModels; trustAll: boolean; env?: NodeJS.ProcessEnv }, fn: (s: CodeServer, dir: string) => Promise<T>): Promise<T> {
  const dir = path.join(RUN, phase);
  const server = await step(`${phase}: start code-server`, () =>
    startCodeServer({ home: o.home, dir, extensionsDir: o.extensionsDir, trustAll: o.trustAll, userSettings: USER_SETTINGS, env: { ...o.models.env(process.env), CC_E2E_SERVER_DIR: dir, CC_E2E_CLI: path.join(ROOT, 'dist/cli.js'), ...o.env } }),
  );
  try {
    return await fn(server, dir);
  } finally {
    await step(`${phase}: stop code-server (process group)`, () => server.stop());
  }
}

async function hostPhase(mode: 'trusted' | 'untrusted', ctx: { home: string; extensionsDir: string; extensionDir: string; testsEntry: string; models: FakeModels }): Promise<PhaseResult> {
  const phase = mode === 'trusted' ? 'host' : 'untrusted';
  const folder = freshWorkspace(phase);
  const resultsFile = path.join(RUN, `${phase}-results.json`);
  const env = { CC_E2E_MODE: mode, CC_E2E_RESULTS: resultsFile, CC_E2E_RUN_DIR: RUN, CC_E2E_ARTIFACTS: ARTIFACTS };
  return withServer(phase, { ...ctx, trustAll: mode === 'trusted', env }, async (server, dir) => {
    const run = await step(`${phase}: extension-host tests`, () =>
      runExtensionTests({ base: server.url, folder, extensionDir: ctx.extensionDir, testsEntry: ctx.testsEntry, profileDir: path.join(dir, 'tmp'), timeoutMs: 180_000, echo: (l) => say(l) }),
    );
    fs.writeFileSync(path.join(ARTIFACTS, `${phase}-console.log`), run.log.join('\n'));
    if (!fs.existsSync(resultsFile)) return { phase, passed: 0, failed: 1, notes: [`no results file (exit ${run.exitCode}): the test entry did not run; see ${server.logFile} and artifacts/${phase}-console.log`] };
    const report = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as { results: Array<{ title: string; state: string; error?: string }> };
    const failed = report.results.filter((r) => r.state !== 'passed');
    const notes = failed.map((r) => `FAIL ${r.title}\n    ${(r.error ?? '').replace(/\n/g, '\n    ')}`);
    if (run.exitCode !== 0 && failed.length === 0) notes.push(`the test run exited with ${run.exitCode}`);
    if (report.results.length === 0) notes.push('no tests ran');
    const bad = failed.length + (notes.length > failed.length ? 1 : 0);
    return { phase, passed: report.results.length - failed.length, failed: bad, notes };
  });
}

/** ensureDeps.sh for one code-server version: its install folder (installed on first use). */
function codeServerHome(version: string): string {
  return sh('bash', [path.join(ROOT, 'test/e2e/ensureDeps.sh')], { env: { ...process.env, CS_VERSION: version } }).trim().split('\n').pop()!;
}

interface PhaseContext {
  readonly home: string;
  readonly extensionsDir: string;
  readonly extensionDir: string;
  readonly models: FakeModels;
}

/**
 * The palette, webviews and CodeLens through chromium, on a fresh copy of the sample workspace with a
 * 10,000-event run seeded. `vsix`: installed first into this code-server's own extensions folder (a
 * code-server other than the one the other phases share).
 */
async function uiPhase(phase: string, ctx: PhaseContext, vsix: string | undefined, artifacts: string): Promise<PhaseResult> {
  let { extensionsDir, extensionDir } = ctx;
  if (vsix) {
    extensionsDir = path.join(RUN, `${phase}-extensions`);
    await step(`${phase}: install the .vsix`, () => installExtension(ctx.home, path.join(RUN, `${phase}-install`), extensionsDir, vsix));
    extensionDir = path.join(extensionsDir, path.basename(ctx.extensionDir));
  }
  fs.mkdirSync(artifacts, { recursive: true });
  const folder = freshWorkspace(phase);
  const seeded = await step(`${phase}: seed a 10,000-event run for the run panel (the sample run, repeated)`, () => seedBigRun(folder, path.join(ROOT, 'dist/cli.js')));
  say(`10,000-event run: ${seeded.types} event types, largest event ${seeded.maxBytes} bytes`);
  return withServer(phase, { ...ctx, extensionsDir, trustAll: true }, async (server, dir) => {
    const ui = await runUiTests({ base: server.url, folder, extensionDir, userDataDir: server.userDataDir, profileDir: path.join(dir, 'tmp'), artifacts, step, say, pace: (ms) => ctx.models.pace(ms) });
    return { phase, passed: ui.filter((r) => r.ok).length, failed: ui.filter((r) => !r.ok).length, notes: ui.filter((r) => !r.ok).map((r) => `FAIL ${r.name}\n    ${r.error}`) };
  });
}

async function main(): Promise<number> {
  fs.rmSync(RUN, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const home = await step(`deps: chromium, ripgrep, code-server ${BASE_CS}`, () => codeServerHome(BASE_CS));
  await step('build + package (npm run package)', () => sh('npm', ['run', '--silent', 'package'], { quiet: true }));
  const vsix = path.join(ROOT, 'dist/codecompanion.vsix');
  say(`vsix: ${(fs.statSync(vsix).size / 1024).toFixed(0)} KiB`);
  // inside the project whatever CC_E2E_WORK says: the bundle's require('mocha') resolves from the project's node_modules
  const suiteDir = path.join(ROOT, '.e2e/suite');
  await step('bundle extension-host tests (esbuild)', () => bundleSuite(suiteDir));
  const extensionsDir = path.join(RUN, 'extensions');
  await step('install the .vsix into code-server', () => installExtension(home, path.join(RUN, 'install'), extensionsDir, vsix));
  const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const extensionDir = path.join(extensionsDir, `${EXTENSION_ID}-${version}`);
  if (!fs.existsSync(path.join(extensionDir, 'package.json'))) throw new Error(`the installed extension is not in ${extensionDir}`);
  const models = await step('start the fake model servers', () => startFakeModels());
  const results: PhaseResult[] = [];
  try {
    // the host phase loads the installed (packaged) copy as its development extension, so every phase tests the .vsix
    const ctx = { home, extensionsDir, extensionDir, testsEntry: path.join(suiteDir, 'index.js'), models };
    if (wanted('host')) results.push(await hostPhase('trusted', ctx));
    if (wanted('ui')) results.push(await uiPhase('ui', ctx, undefined, ARTIFACTS));
    if (wanted('onboarding')) results.push(
      // a new user: no key in the environment (the vendors' base URLs stay, unused) and no folder open
      await withServer('onboarding', { home, extensionsDir, models, trustAll: true, env: { ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '', GEMINI_API_KEY: '', GOOGLE_API_KEY: '' } }, async (server, dir) => {
        const r = await runOnboardingTests({ base: server.url, extensionDir, profileDir: path.join(dir, 'tmp'), artifacts: ARTIFACTS, step, say });
        return { phase: 'onboarding', passed: r.filter((x) => x.ok).length, failed: r.filter((x) => !x.ok).length, notes: r.filter((x) => !x.ok).map((x) => `FAIL ${x.name}\n    ${x.error}`) };
      }),
    );
    if (wanted('untrusted') && fs.readdirSync(suiteDir).some((f) => f.startsWith('untrusted') && f.endsWith('.test.js'))) results.push(await hostPhase('untrusted', ctx));
    if (wanted('ui-current')) results.push(await uiPhase('ui-current', { ...ctx, home: await step(`deps: code-server ${CURRENT_CS} (a current VS Code, on its own Node)`, () => codeServerHome(CURRENT_CS)) }, vsix, path.join(ARTIFACTS, 'current')));
  } finally {
    await models.close();
  }
  console.log('\n=== e2e timings');
  for (const [name, ms] of timings) console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${name}`);
  console.log(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  total`);
  console.log('=== e2e results');
  for (const r of results) {
    console.log(`  ${r.phase.padEnd(12)} ${r.passed} passed, ${r.failed} failed`);
    for (const n of r.notes) console.log(`    ${n}`);
  }
  console.log(`  artifacts: ${ARTIFACTS}`);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  const passed = results.reduce((n, r) => n + r.passed, 0);
  return failed === 0 && passed > 0 ? 0 : 1;
}

async function bundleSuite(outdir: string): Promise<void> {
  const dir = path.join(ROOT, 'test/e2e/suite');
  const entryPoints = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
  fs.rmSync(outdir, { recursive: true, force: true });
  await esbuild.build({ entryPoints, outdir, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'mocha'], sourcemap: 'inline', logLevel: 'warning' });
}

// turn a signal into an exit, so the exit handler in lib/codeServer.ts stops any code-server still running
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => process.exit(130));

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`e2e: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
