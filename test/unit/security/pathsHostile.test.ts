// The hostile-model suite for paths: the loopback fake vendors answer as a prompt-injected team
// (hostileTeam: the coder writes the attacker's patch, every reviewer approves), driven through the
// real CLI `run --apply` and `patch apply` on a real git repository. Every case must leave the
// protected target as it was and name the rule that refused it.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startFakeModelServer, type FakeModelServer } from '../../fakes/fakeModelServer';
import { HOSTILE_OBJECTIVE, hostileTeam } from '../../fakes/hostileTeam';
import { runCli } from '../../helpers/cliRunner';
import { fakeEnv, jsonLines } from '../orchestrator/helpers';
import { HOSTILE_PATH_CASES, gitWorkspace, snapshot } from './hostileCases';

describe('hostile model: patches aimed at protected paths', function () {
  this.timeout(120_000);
  let server: FakeModelServer;
  before(async () => (server = await startFakeModelServer()));
  after(() => server.close());

  for (const c of HOSTILE_PATH_CASES) {
    describe(c.name, () => {
      it('run --apply: the patch never reaches the disk, and the refusal names the rule', async () => {
        const root = gitWorkspace();
        c.setup?.(root);
        const before = snapshot(root, c.watch);
        server.reset();
        server.respond(hostileTeam(c.patch));
        const r = await runCli(['run', HOSTILE_OBJECTIVE, '--cwd', root, '--apply', '--json', '--rounds', '1', '--reviewers', '1', '--no-explore'], { env: fakeEnv(server) });
        assert.deepEqual(snapshot(root, c.watch), before, `${c.watch.join(', ')} changed:\n${r.stderr}`);
        const problems = jsonLines(r.stdout)
          .filter((e) => e.type === 'patch.validated')
          .flatMap((e) => (e.type === 'patch.validated' ? e.data.problems : []));
        assert.ok(
          problems.some((p) => p.includes(`protected path rule '${c.rule}'`)),
          `no validation problem names the rule '${c.rule}': ${JSON.stringify(problems)}`,
        );
        assert.ok(!jsonLines(r.stdout).some((e) => e.type === 'patch.applied' && e.data.ok), 'a patch was applied');
        c.after?.(root);
      });

      it('patch apply: exit 1, nothing written, the rule named', async () => {
        const root = gitWorkspace();
        c.setup?.(root);
        const before = snapshot(root, c.watch);
        const file = path.join(root, '..', `${path.basename(root)}.patch.json`);
        fs.writeFileSync(file, JSON.stringify(c.patch));
        const r = await runCli(['patch', 'apply', file, '--cwd', root]);
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.match(r.stdout, new RegExp(`protected path rule '${escape(c.rule)}'`));
        assert.match(r.stdout, /refused: no file was changed/);
        assert.deepEqual(snapshot(root, c.watch), before);
        c.after?.(root);
      });
    });
  }

  it('the fsmonitor case end to end: after the refused patch, git status runs no command', async () => {
    const c = HOSTILE_PATH_CASES.find((x) => x.name.startsWith('.git/config fsmonitor'))!;
    const root = gitWorkspace();
    server.reset();
    server.respond(hostileTeam(c.patch));
    await runCli(['run', HOSTILE_OBJECTIVE, '--cwd', root, '--apply', '--rounds', '1', '--reviewers', '1'], { env: fakeEnv(server) });
    execFileSync('git', ['status', '--porcelain'], { cwd: root, stdio: 'ignore' });
    assert.equal(fs.existsSync(path.join(root, 'pwned')), false, 'git status ran the injected fsmonitor command');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
