// Text that did not come from this program reaches the terminal stripped of control sequences: a
// hostile planner and coder put ESC, OSC (window title, hyperlink), CSI (clear screen), C1 and
// carriage returns into the plan, the patch summary and the check output; `run`, `replay`,
// `events` and `runs` print none of them. The webview renders text as text (no HTML sinks).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { terminalSafe } from '../../../src/core/security/terminalText';
import { startFakeModelServer, type FakeModelServer } from '../../fakes/fakeModelServer';
import { hostileCheckTeam } from '../../fakes/hostileCheckTeam';
import { runCli } from '../../helpers/cliRunner';
import { jsonLines } from '../orchestrator/helpers';
import { cliEnv, hostileWorkspace, MODES } from './execHelpers';

const HOSTILE = '\x1b]0;pwned-title\x07\x1b[2J\x1b[H\rALL TESTS PASSED \x1b]8;;https://evil.example/\x07click here\x1b]8;;\x07 \x9b31mred\x1bP+q\x1b\\ \x1b7end\x08';
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe('security: terminal text', () => {
  it('strips CSI, OSC (titles, hyperlinks), DCS, other escapes and C0/C1 controls, keeping newlines, tabs and text', () => {
    assert.equal(terminalSafe(HOSTILE), 'ALL TESTS PASSED click here red end');
    assert.equal(terminalSafe('a\tb\nc é 中 🙂'), 'a\tb\nc é 中 🙂');
    assert.equal(terminalSafe('before\x1b]2;no terminator, swallows the rest'), 'before');
    assert.equal(terminalSafe('\x9d0;c1 title\x9c after'), ' after');
    assert.equal(terminalSafe('x\x1b'), 'x');
  });

  it('the webview has no HTML sink for text (it renders text as text)', () => {
    const dir = path.resolve(__dirname, '../../../webview');
    const sinks = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => (fs.readFileSync(path.join(dir, f), 'utf8').match(/\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser/g) ?? []).map((m) => `${f}: ${m}`));
    assert.deepEqual(sinks, []);
  });
});

for (const mode of MODES) {
  describe(`security: hostile text on the terminal ${mode.name}`, function () {
    this.timeout(120_000);
    let server: FakeModelServer;
    before(async function () {
      if (!mode.available()) this.skip();
      server = await startFakeModelServer();
    });
    after(() => server?.close());

    it('run, replay, events and runs print a patch summary, a plan and check output with ESC/OSC bytes stripped', async () => {
      const root = hostileWorkspace();
      const test = { path: 'test/hostile.test.js', content: `require('node:test')('prints escapes', () => { console.log(${JSON.stringify(HOSTILE)}); });\n` };
      server.respond(hostileCheckTeam('add a test', [test], `Add a test ${HOSTILE}`, ` ${HOSTILE}`));
      const env = cliEnv(server, mode.env);
      const r = await runCli(['run', 'add a test', '--cwd', root, '--check', 'node --test'], { env });
      assert.equal(r.code, 0, r.stderr);
      const json = await runCli(['run', 'add a test', '--cwd', root, '--check', 'node --test', '--json'], { env });
      const runId = jsonLines(json.stdout)[0]!.runId;
      // the hostile text really was stored (and is shown, stripped)
      assert.match(json.stdout, /ALL TESTS PASSED/);
      assert.match(r.stdout, /Add a test ALL TESTS PASSED click here red end/);
      const replay = await runCli(['replay', runId, '--cwd', root], { env });
      assert.match(replay.stdout, /Add a test ALL TESTS PASSED click here red end/);
      const events = await runCli(['events', runId, '--cwd', root], { env });
      assert.match(events.stdout, /plan: Add a test\. ALL TESTS PASSED/);
      const runs = await runCli(['runs', '--cwd', root], { env });
      for (const [what, out] of Object.entries({ 'run stdout': r.stdout, 'run stderr': r.stderr, 'run --json': json.stdout, 'run --json stderr': json.stderr, replay: replay.stdout, events: events.stdout, runs: runs.stdout })) {
        const bad = CONTROLS.exec(out);
        assert.equal(bad, null, `${what} holds a control character U+${bad?.[0]!.charCodeAt(0).toString(16).padStart(4, '0')}`);
      }
    });
  });
}
