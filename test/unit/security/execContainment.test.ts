// Model-written code runs contained: through the real CLI `run` against the fake vendor servers, a
// coder writes a test that the check command runs. It prints the environment, forks a daemon with
// setsid, writes through an in-workspace link and `../`, and rewrites a dependency. Each case runs
// under bubblewrap (where it works here) and with it switched off.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFakeModelServer, type FakeModelServer } from '../../fakes/fakeModelServer';
import { hostileCheckTeam, type HostileFile } from '../../fakes/hostileCheckTeam';
import { FAKE_KEYS } from '../../fakes/fakeKeys';
import { runCli } from '../../helpers/cliRunner';
import { jsonLines, ofType } from '../orchestrator/helpers';
import { ALL_SECRETS, cliEnv, databaseBytes, hostileWorkspace, MODES, processesWith, secretsIn, SERVICE_TOKEN, snapshot, waitFor } from './execHelpers';

const OBJECTIVE = 'add a test';

function testFile(body: string): HostileFile {
  return { path: 'test/hostile.test.js', content: `const test = require('node:test');\nconst assert = require('node:assert');\nconst fs = require('node:fs');\n${body}\n` };
}

for (const mode of MODES) {
  describe(`security: a check command ${mode.name}`, function () {
    this.timeout(120_000);
    let server: FakeModelServer;
    before(async function () {
      if (!mode.available()) this.skip(); // bubblewrap missing or unable to create namespaces here: the other mode still runs
      server = await startFakeModelServer();
    });
    after(() => server?.close());
    beforeEach(() => server.reset());

    async function run(root: string, files: readonly HostileFile[], args: string[] = [], extraEnv: Record<string, string> = {}) {
      server.respond(hostileCheckTeam(OBJECTIVE, files));
      const r = await runCli(['run', OBJECTIVE, '--cwd', root, '--check', 'node --test', '--json', ...args], { env: cliEnv(server, { ...mode.env, ...extraEnv }) });
      assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
      if (mode.name === 'under bubblewrap') assert.match(r.stderr, /check command runs under: bubblewrap: no network/);
      else if (mode.name === 'under user namespaces') assert.match(r.stderr, /check command runs under: user namespaces \(unshare\): no network/);
      else assert.match(r.stderr, /check command runs under: process group/);
      return r;
    }

    it('gets an allowlisted environment: no key or token reaches the database, stdout, stderr, --json or a later prompt', async () => {
      // today's check inherited this process's environment: the keys are here too
      const saved = { ...process.env };
      Object.assign(process.env, { ANTHROPIC_API_KEY: FAKE_KEYS.anthropic, OPENAI_API_KEY: FAKE_KEYS.openai, GEMINI_API_KEY: FAKE_KEYS.gemini, MY_SERVICE_TOKEN: SERVICE_TOKEN });
      try {
        const root = hostileWorkspace();
        const printEnv = testFile(
          "test('prints the environment', () => {\n" +
            '  const names = Object.keys(process.env).sort((a, b) => Number(/KEY|TOKEN/.test(a)) - Number(/KEY|TOKEN/.test(b)));\n' +
            "  for (const n of names) console.log(`ENV ${n}=${process.env[n]}`);\n" +
            "  assert.fail('printed the environment');\n" +
            '});',
        );
        const r = await run(root, [printEnv], ['--check-env', 'CC_VISIBLE,MY_SERVICE_TOKEN'], { CC_VISIBLE: 'visible-value' });
        // the user's listed secret is refused, and said so
        assert.match(r.stderr, /not passing MY_SERVICE_TOKEN: a check never gets a key, token, secret or password variable/);
        const events = jsonLines(r.stdout);
        const reports = ofType(events, 'artifact.produced').filter((e) => e.data.kind === 'TestReport');
        assert.ok(reports.length >= 1, 'the check ran');
        const output = reports.map((e) => JSON.stringify(e.data.body)).join('\n');
        // it really printed its environment: the allowlist, a scratch HOME, and what the user listed
        assert.match(output, /ENV PATH=/);
        assert.match(output, /ENV HOME=<scratch>\/home/);
        assert.match(output, /ENV CI=1/);
        assert.match(output, /ENV CC_VISIBLE=visible-value/);
        assert.doesNotMatch(output, /ENV (ANTHROPIC|OPENAI|GEMINI)_API_KEY=|ENV MY_SERVICE_TOKEN=/);
        // the failure went back to the coder in its next prompt
        const later = server.requests.filter((q) => q.prompt.includes('printed the environment'));
        assert.ok(later.length >= 1, 'the check output reached a later prompt');
        // and no key byte anywhere
        const replay = await runCli(['replay', events[0]!.runId, '--cwd', root, '--json'], { env: cliEnv(server) });
        const printed = await runCli(['events', events[0]!.runId, '--cwd', root], { env: cliEnv(server) });
        const places = { database: databaseBytes(root), stdout: r.stdout, stderr: r.stderr, replay: replay.stdout, events: printed.stdout, requests: server.requests.map((q) => q.raw).join('\n') };
        for (const [where, text] of Object.entries(places)) assert.deepEqual(secretsIn(text), [], `a key in ${where}`);
      } finally {
        for (const k of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'MY_SERVICE_TOKEN']) if (saved[k] === undefined) delete process.env[k];
        Object.assign(process.env, saved);
      }
    });

    it('a test reading its ancestors\' /proc environ finds no key, raw or encoded (the process-tree level cannot hide them)', async function () {
      // without a PID namespace the check sees CodeCompanion's own /proc/PID/environ: scrubbing catches the
      // raw values, not base64; README and doctor say so, and the namespaces level exists for it
      if (mode.name === 'with bubblewrap off') this.skip();
      const root = hostileWorkspace();
      const hunt = testFile(
        "test('ancestors', () => {\n" +
          '  let pid = process.pid; let seen = 0;\n' +
          '  for (let i = 0; i < 12 && pid > 1; i++) {\n' +
          "    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');\n" +
          "    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);\n" +
          "    try { for (const e of fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\\0')) if (/KEY|TOKEN/.test(e)) { seen++; console.log(`P ${Buffer.from(e).toString('base64')}`); } } catch (err) { console.log('unreadable', err.code); }\n" +
          '  }\n' +
          "  console.log(`saw ${seen} secret-looking variables`);\n" +
          '});',
      );
      // the built CLI in a process of its own, so the keys are in its /proc/PID/environ as a user's would be
      server.respond(hostileCheckTeam(OBJECTIVE, [hunt]));
      const cli = path.resolve(__dirname, '../../../dist/cli.js');
      const child = spawn(process.execPath, [cli, 'run', OBJECTIVE, '--cwd', root, '--check', 'node --test', '--json', '--rounds', '1'], { env: cliEnv(server, mode.env), stdio: ['ignore', 'pipe', 'pipe'] });
      const r = { stdout: '', stderr: '', status: null as number | null };
      child.stdout.on('data', (d: Buffer) => (r.stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (r.stderr += d.toString()));
      r.status = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
      const reports = ofType(jsonLines(r.stdout), 'artifact.produced').filter((e) => e.data.kind === 'TestReport');
      const output = JSON.stringify(reports.map((e) => e.data.body));
      assert.match(output, /saw 0 secret-looking variables/, 'the test ran and found nothing');
      const encoded = ALL_SECRETS.flatMap((k) => [0, 1, 2].map((o) => Buffer.concat([Buffer.alloc(o), Buffer.from(k)]).toString('base64').slice(4, 24)));
      for (const text of [output, databaseBytes(root), server.requests.map((q) => q.raw).join('\n')]) for (const e of encoded) assert.ok(!text.includes(e));
    });

    it('kills a daemon forked with setsid when the check times out', async () => {
      const root = hostileWorkspace();
      const mark = `cc-daemon-${randomBytes(6).toString('hex')}`;
      const daemon = testFile(
        "const { spawn } = require('node:child_process');\n" +
          "test('forks a daemon', async () => {\n" +
          `  spawn('setsid', [process.execPath, '-e', 'setInterval(() => {}, 1000) // ${mark}'], { detached: true, stdio: 'ignore' }).unref();\n` +
          '  await new Promise((r) => setTimeout(r, 600000));\n' +
          '});',
      );
      try {
        const r = await run(root, [daemon], ['--check-timeout', '5', '--rounds', '1']);
        const reports = ofType(jsonLines(r.stdout), 'artifact.produced').filter((e) => e.data.kind === 'TestReport');
        assert.ok(reports.some((e) => e.data.kind === 'TestReport' && e.data.body.timedOut), 'the check timed out');
        assert.ok(await waitFor(() => processesWith(mark).length === 0, 15_000), `the daemon outlived the check: ${processesWith(mark).join(', ')}`);
      } finally {
        for (const pid of processesWith(mark)) process.kill(pid, 'SIGKILL');
      }
    });

    it('writes through an in-workspace link and `../` never reach the real workspace', async () => {
      const root = hostileWorkspace();
      const before = snapshot(root);
      const mark = `escaped-${randomBytes(6).toString('hex')}.txt`;
      const escape = testFile(
        "test('writes out', () => {\n" +
          `  for (const p of ['alias/pwned.txt', 'alias/file.txt', 'real/../alias/second.txt', '../${mark}', '../../${mark}']) {\n` +
          "    try { fs.writeFileSync(p, 'pwned'); console.log('wrote', p); } catch (e) { console.log('refused', p, e.code); }\n" +
          '  }\n' +
          '});',
      );
      try {
        const r = await run(root, [escape]);
        const reports = ofType(jsonLines(r.stdout), 'artifact.produced').filter((e) => e.data.kind === 'TestReport');
        assert.match(JSON.stringify(reports.map((e) => e.data.body)), /wrote alias\/pwned\.txt/, 'the test ran and wrote inside its copy');
        assert.deepEqual(snapshot(root), before);
        // under bubblewrap only the scratch copy is writable: ../../ is a private /tmp
        if (mode.name === 'under bubblewrap') assert.ok(!fs.existsSync(path.join(os.tmpdir(), mark)));
      } finally {
        fs.rmSync(path.join(os.tmpdir(), mark), { force: true }); // unsandboxed, ../../ from the copy is the temp folder: allowed, but not ours to keep
      }
    });

    it('a test rewriting node_modules/dep/index.js leaves the real one unchanged', async () => {
      const root = hostileWorkspace();
      const rewrite = testFile(
        "test('rewrites a dependency', () => {\n" +
          "  const file = require.resolve('dep');\n" +
          "  try { fs.writeFileSync(file, 'module.exports = \"pwned\";\\n'); console.log('rewrote dep'); } catch (e) { console.log('refused dep', e.code); }\n" +
          "  assert.equal(require('dep'), 42);\n" +
          '});',
      );
      const r = await run(root, [rewrite]);
      const reports = ofType(jsonLines(r.stdout), 'artifact.produced').filter((e) => e.data.kind === 'TestReport');
      assert.match(JSON.stringify(reports.map((e) => e.data.body)), mode.name === 'with bubblewrap off' ? /rewrote dep/ : /refused dep EROFS/);
      assert.equal(fs.readFileSync(path.join(root, 'node_modules/dep/index.js'), 'utf8'), 'module.exports = 42;\n');
    });
  });
}
