// Reading commands on a read-only mount (a shared, mounted or archived workspace) read, never
// touching the writer lock: no raw EROFS. The mount is real (bubblewrap's --ro-bind).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { paginate, seedRun, tmpWorkspace } from '../review/fixtures';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

function bwrapWorks(): boolean {
  return spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', 'true']).status === 0;
}

describe('storage: reads on a read-only mount', function () {
  this.timeout(120_000);

  it('runs, events, replay, review and db status read a database on a read-only mount', async function () {
    if (!bwrapWorks()) this.skip(); // needs bubblewrap (test/e2e/ensureDeps.sh installs it in CI)
    const root = tmpWorkspace();
    await seedRun(root, 'run-a', 'paginate', { 'task-1': paginate });
    for (const args of [['runs'], ['events', 'run-a'], ['replay', 'run-a'], ['review'], ['db', 'status'], ['search', 'users', '--keyword-only']]) {
      const r = spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', process.execPath, CLI, ...args, '--cwd', root], { encoding: 'utf8', env: { PATH: process.env.PATH } });
      assert.doesNotMatch(r.stderr, /EROFS|writer\.lock/, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.status === 0 || (args[0] === 'search' && r.status === 1), `${args.join(' ')} exits ${r.status}: ${r.stderr}`);
    }
    const runs = spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', process.execPath, CLI, 'runs', '--cwd', root], { encoding: 'utf8' });
    assert.match(runs.stdout, /^run-a\s+completed/m);
  });
});
