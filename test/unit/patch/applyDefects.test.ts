// Applying patches when the file system pushes back: a write that fails part-way, a rename onto a
// deleted file, mixed line endings, long names, and the errno cases (ELOOP, a dangling link, EEXIST,
// EISDIR) as one clear line naming the file.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyPatch } from '../../../src/core/patch/applyPatch';
import type { CodePatch } from '../../../src/core/patch/codePatch';
import { startFakeModelServer } from '../../fakes/fakeModelServer';
import { HOSTILE_OBJECTIVE, hostileTeam } from '../../fakes/hostileTeam';
import { runCli } from '../../helpers/cliRunner';
import { fakeEnv } from '../orchestrator/helpers';

const PROJECT = path.resolve(__dirname, '../../..');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cc-defects-'));
const patch = (...edits: CodePatch['edits']): CodePatch => ({ summary: 's', edits });

describe('patch engine: when writing goes wrong', function () {
  this.timeout(60_000);

  it('a write that fails part-way (the file-size limit, as a full disk does) leaves no temporary file and says every file was restored', () => {
    const root = tmp();
    fs.writeFileSync(path.join(root, 'small.txt'), 'one\n');
    const file = `${root}.patch.json`;
    fs.writeFileSync(file, JSON.stringify(patch({ kind: 'searchReplace', path: 'small.txt', blocks: [{ search: 'one\n', replace: 'two\n' }] }, { kind: 'create', path: 'big.txt', content: 'x'.repeat(64 * 1024) })));
    // ulimit -f 8: any write past 8 KiB fails with EFBIG, after the first 8 KiB landed (a partial temp file)
    const r = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -f 8; exec "${process.execPath}" --import tsx src/cli/main.ts patch apply "${file}" --cwd "${root}"`], { cwd: PROJECT, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /writing big\.txt failed: the file is larger than the file system or a limit allows \(EFBIG\); every file was restored as it was/);
    assert.deepEqual(fs.readdirSync(root), ['small.txt'], 'a temporary or backup file was left behind');
    assert.equal(fs.readFileSync(path.join(root, 'small.txt'), 'utf8'), 'one\n');
  });

  it('deleting b.txt then renaming a.txt onto it leaves no backup file', async () => {
    const root = tmp();
    fs.writeFileSync(path.join(root, 'a.txt'), 'A\n');
    fs.writeFileSync(path.join(root, 'b.txt'), 'B\n');
    const report = await applyPatch(patch({ kind: 'delete', path: 'b.txt' }, { kind: 'rename', path: 'a.txt', to: 'b.txt' }), { root });
    assert.equal(report.written, true, JSON.stringify(report.edits));
    assert.deepEqual(fs.readdirSync(root), ['b.txt']);
    assert.equal(fs.readFileSync(path.join(root, 'b.txt'), 'utf8'), 'A\n');
  });

  it('a file mixing CRLF and LF keeps each line’s ending on an edit', async () => {
    const root = tmp();
    fs.writeFileSync(path.join(root, 'mixed.txt'), 'one\r\ntwo\nthree\r\nfour\nfive\r\n');
    const report = await applyPatch(patch({ kind: 'searchReplace', path: 'mixed.txt', blocks: [{ search: 'two\nthree\n', replace: 'TWO\nthree\nthree and a half\n' }] }), { root });
    assert.equal(report.written, true, JSON.stringify(report.edits));
    assert.equal(fs.readFileSync(path.join(root, 'mixed.txt'), 'utf8'), 'one\r\nTWO\nthree\r\nthree and a half\r\nfour\nfive\r\n');
  });

  it('modifies, creates and deletes a file whose name is 240 characters long', async () => {
    const root = tmp();
    const name = `${'n'.repeat(236)}.txt`;
    fs.writeFileSync(path.join(root, name), 'old\n');
    const modified = await applyPatch(patch({ kind: 'searchReplace', path: name, blocks: [{ search: 'old\n', replace: 'new\n' }] }), { root });
    assert.equal(modified.written, true, modified.writeError);
    assert.equal(fs.readFileSync(path.join(root, name), 'utf8'), 'new\n');
    const other = `${'m'.repeat(251)}.txt`;
    assert.equal((await applyPatch(patch({ kind: 'create', path: other, content: 'x\n' }), { root })).written, true);
    assert.equal((await applyPatch(patch({ kind: 'delete', path: other }), { root })).written, true);
    assert.deepEqual(fs.readdirSync(root), [name]);
  });

  it('ELOOP, a dangling link, a file where a folder should be, and a folder where a file should be: one clear line naming the file', async () => {
    const root = tmp();
    fs.symlinkSync('loop-b', path.join(root, 'loop-a'));
    fs.symlinkSync('loop-a', path.join(root, 'loop-b'));
    fs.symlinkSync('missing.txt', path.join(root, 'dangling.txt'));
    fs.writeFileSync(path.join(root, 'plain.txt'), 'x\n');
    fs.mkdirSync(path.join(root, 'folder'));
    const cases: Array<[CodePatch['edits'][number], RegExp]> = [
      [{ kind: 'create', path: 'loop-a', content: 'x\n' }, /^loop-a is a symbolic link loop \(ELOOP\); patches do not follow it$/],
      [{ kind: 'create', path: 'loop-a/inner.txt', content: 'x\n' }, /^loop-a\/inner\.txt goes through loop-a, which is a symbolic link loop \(ELOOP\)/],
      [{ kind: 'create', path: 'dangling.txt', content: 'x\n' }, /^dangling\.txt is a symbolic link to missing\.txt, which does not exist \(a dangling link\)/],
      [{ kind: 'create', path: 'plain.txt/inner.txt', content: 'x\n' }, /^plain\.txt\/inner\.txt cannot be written: plain\.txt is a file, not a folder$/],
      [{ kind: 'replaceFile', path: 'folder', content: 'x\n' }, /^folder cannot be patched: it is not a regular file$/],
    ];
    for (const [edit, expected] of cases) {
      const file = `${root}.patch.json`;
      fs.writeFileSync(file, JSON.stringify(patch(edit)));
      const r = await runCli(['patch', 'apply', file, '--cwd', root]);
      assert.equal(r.code, 1, `${edit.path}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stderr, '', `${edit.path}: an error escaped as a raw message: ${r.stderr}`);
      const line = r.stdout.split('\n').find((l) => l.startsWith('  refused'))!;
      assert.match(line.replace(/^ {2}refused {2}\w+ \S+: /, ''), expected);
      assert.doesNotMatch(r.stdout, /realpath|lstat|, open '|, mkdir '/, 'a raw errno message reached the user');
    }
  });

  it('patch apply refuses a FIFO, a device or a folder as the patch file instead of hanging or filling memory', async () => {
    const root = tmp();
    const fifo = path.join(root, 'pipe');
    spawnSync('mkfifo', [fifo]);
    for (const [file, expected] of [[fifo, /not a regular file/], ['/dev/zero', /not a regular file/], [root, /a folder/]] as const) {
      const r = await runCli(['patch', 'apply', file, '--cwd', root]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, expected);
    }
  });

  it('run --apply exits 1, not 0, when the accepted patch could not be written, and says what was restored', async function () {
    const root = tmp();
    fs.mkdirSync(path.join(root, 'src'));
    const app = path.join(root, 'src/app.js');
    fs.writeFileSync(app, 'module.exports = { port: 3000 };\n');
    // an immutable file: readable (the run validates the patch) but neither replaced nor linked, even by root
    if (spawnSync('chattr', ['+i', app]).status !== 0) this.skip(); // needs chattr on an ext2/3/4 or similar file system
    const server = await startFakeModelServer();
    try {
      server.respond(hostileTeam({ summary: 'port', edits: [{ kind: 'searchReplace', path: 'src/app.js', blocks: [{ search: 'module.exports = { port: 3000 };\n', replace: 'module.exports = { port: 8080 };\n' }] }] }));
      const r = await runCli(['run', HOSTILE_OBJECTIVE, '--cwd', root, '--apply', '--rounds', '1', '--reviewers', '1'], { env: fakeEnv(server) });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /NOT applied: writing src\/app\.js failed: operation not permitted \(EPERM\); every file was restored as it was/);
      assert.deepEqual(fs.readdirSync(path.join(root, 'src')), ['app.js']);
    } finally {
      spawnSync('chattr', ['-i', app]);
      await server.close();
    }
  });
});
