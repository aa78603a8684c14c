// The built CLI in two bundles: dist/cli.js starts `review`, `runs` and `db` without the model SDKs,
// redis or fastify, which live in dist/cliCommands.js and load only for the commands that need them.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { paginate, seedRun, tmpWorkspace } from '../review/fixtures';

const DIST = path.resolve(__dirname, '../../../dist');

function cli(dir: string, args: string[]) {
  return spawnSync(process.execPath, [path.join(dir, 'cli.js'), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 120_000 });
}

describe('the CLI bundles', function () {
  this.timeout(180_000);

  it('review works from dist/cli.js alone (no SDK, redis or fastify in it); the other commands come from dist/cliCommands.js', async () => {
    const entry = fs.readFileSync(path.join(DIST, 'cli.js'), 'utf8');
    for (const marker of ['api.anthropic.com', 'generativelanguage.googleapis.com', 'RESP_TYPES', 'fastify']) assert.ok(!entry.includes(marker), `cli.js holds ${marker}`);
    assert.match(fs.readFileSync(path.join(DIST, 'cliCommands.js'), 'utf8'), /fastify/);
    // the entry and sql.js's wasm copied without the commands bundle: review, runs and db still work
    const alone = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-cli-alone-'));
    for (const f of ['cli.js', 'sql-wasm.wasm']) fs.copyFileSync(path.join(DIST, f), path.join(alone, f));
    const root = tmpWorkspace();
    await seedRun(root, 'run-a', 'paginate', { 'task-1': paginate });
    const listed = cli(alone, ['review', 'run-a', '--json', '--cwd', root]);
    assert.equal(listed.status, 0, listed.stderr);
    const [run] = JSON.parse(listed.stdout) as { patches: { hunks: { id: string }[] }[] }[];
    const rejected = cli(alone, ['review', 'reject', run!.patches[0]!.hunks[0]!.id, '--cwd', root]);
    assert.equal(rejected.status, 0, rejected.stderr);
    assert.match(rejected.stdout, /1 hunk\(s\) rejected/);
    assert.equal(cli(alone, ['runs', '--cwd', root]).status, 0);
    const run2 = cli(alone, ['providers']);
    assert.notEqual(run2.status, 0, 'a heavy command needs dist/cliCommands.js');
    assert.match(run2.stderr, /cliCommands\.js/);
    // with both bundles, the heavy commands and the whole list are there
    const help = cli(DIST, ['--help']);
    assert.equal(help.status, 0);
    for (const name of ['run', 'review', 'serve', 'runs']) assert.match(help.stdout, new RegExp(`^  ${name}\\b`, 'm'));
    assert.equal(cli(DIST, ['providers', '--help']).status, 0);
    // an error class thrown in dist/cliCommands.js is told apart there: a usage error still exits 2 with the usage
    const bad = cli(DIST, ['providers', '--nope']);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /^codecompanion providers: .*\nusage: providers /);
  });
});
