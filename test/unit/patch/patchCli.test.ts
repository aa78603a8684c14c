import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../helpers/cliRunner';
import { STATS_PY } from './fixtures';

describe('codecompanion patch apply', () => {
  let root: string;
  let patchFile: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-patchcli-'));
    fs.writeFileSync(path.join(root, 'stats.py'), STATS_PY);
    patchFile = path.join(root, 'change.diff');
  });

  it('exits 0 and applies; --dry-run leaves the file; --json prints the report', async () => {
    fs.writeFileSync(patchFile, '--- a/stats.py\n+++ b/stats.py\n@@ -4,1 +4,2 @@\n import math\n+import statistics\n');
    const dry = await runCli(['patch', 'apply', patchFile, '--cwd', root, '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(JSON.parse(dry.stdout).files[0].action, 'modify');
    assert.equal(fs.readFileSync(path.join(root, 'stats.py'), 'utf8'), STATS_PY);
    const real = await runCli(['patch', 'apply', patchFile, '--cwd', root]);
    assert.equal(real.code, 0);
    assert.match(real.stdout, /applied: 1 file\(s\) changed/);
    assert.match(fs.readFileSync(path.join(root, 'stats.py'), 'utf8'), /import math\nimport statistics\n/);
  });

  it('exits 1 on a refusal and changes nothing; 2 on a usage error', async () => {
    fs.writeFileSync(patchFile, 'stats.py\n<<<<<<< SEARCH\ndef mode(values):\n=======\ndef mode(xs):\n>>>>>>> REPLACE\n');
    const refused = await runCli(['patch', 'apply', patchFile, '--cwd', root]);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /refused: no file was changed/);
    assert.equal(fs.readFileSync(path.join(root, 'stats.py'), 'utf8'), STATS_PY);
    assert.equal((await runCli(['patch', 'apply'])).code, 2);
    assert.equal((await runCli(['patch', 'apply', patchFile, '--bogus'])).code, 2);
    fs.writeFileSync(patchFile, 'no patch in here');
    const junk = await runCli(['patch', 'apply', patchFile, '--cwd', root]);
    assert.equal(junk.code, 2);
    assert.match(junk.stderr, /no patch found/);
  });

  it('works as a spawned process from the built CLI', function () {
    const cli = path.resolve(__dirname, '../../../dist/cli.js');
    if (!fs.existsSync(cli)) this.skip(); // npm test builds first; a bare mocha run may not have
    fs.writeFileSync(patchFile, JSON.stringify({ summary: 's', edits: [{ kind: 'create', path: 'new.py', content: 'x = 1\n' }] }));
    const r = spawnSync(process.execPath, [cli, 'patch', 'apply', patchFile, '--cwd', root], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(root, 'new.py'), 'utf8'), 'x = 1\n');
  });
});
