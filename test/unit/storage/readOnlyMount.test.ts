// Reading commands on a read-only mount (a shared, mounted or archived workspace) read, never
// touching the writer lock: no raw EROFS. The mount is real (bubblewrap's --ro-bind).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { openStore } from '../../../src/app/engine';
import { event, EVENT_VERSION } from '../../../src/core/events';
import { DEFAULT_RUN_OPTIONS } from '../../../src/core/orchestrator/orchestrator';

async function seedRun(runId: string): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-romount-'));
  const opened = await openStore(root, 'write', 'test seed');
  await opened.store.append(runId, [event('run.started', { v: EVENT_VERSION, objective: 'paginate', options: DEFAULT_RUN_OPTIONS }), event('run.completed', { accepted: 0, rejected: 0, applied: 0, costUsd: 0 })]);
  await opened.close();
  return root;
}

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

function bwrapWorks(): boolean {
  return spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', 'true']).status === 0;
}

describe('storage: reads on a read-only mount', function () {
  this.timeout(120_000);

  it('runs, events, replay, db status and search read a database on a read-only mount', async function () {
    if (!bwrapWorks()) this.skip(); // needs bubblewrap (test/e2e/ensureDeps.sh installs it in CI)
    const root = await seedRun('run-a');
    for (const args of [['runs'], ['events', 'run-a'], ['replay', 'run-a'], ['db', 'status'], ['search', 'users', '--keyword-only']]) {
      const r = spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', process.execPath, CLI, ...args, '--cwd', root], { encoding: 'utf8', env: { PATH: process.env.PATH } });
      assert.doesNotMatch(r.stderr, /EROFS|writer\.lock/, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.status === 0 || (args[0] === 'search' && r.status === 1), `${args.join(' ')} exits ${r.status}: ${r.stderr}`);
    }
    const runs = spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', process.execPath, CLI, 'runs', '--cwd', root], { encoding: 'utf8' });
    assert.match(runs.stdout, /^run-a\s+completed/m);
  });
});
