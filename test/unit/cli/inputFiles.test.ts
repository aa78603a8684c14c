// Files the user names on the command line (patch apply FILE, run --replay FILE) are read only when
// they are regular files under a size cap: a device, a FIFO or a folder is refused at once (never read
// forever, never waited on), with one line naming the file and what to do. Errno errors from any
// command come out the same way.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../helpers/cliRunner';
import { describeFsError, fsErrorReason } from '../../../src/core/fsErrors';
import { InputFileError, readInputFile } from '../../../src/core/inputFile';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cc-input-'));
}

function oneLine(stderr: string): void {
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.doesNotMatch(stderr, /\bE[A-Z]{3,}\b.*:|at .*\(.*:\d+:\d+\)/, `no raw errno or stack: ${stderr}`);
}

describe('input files: size and type checks', function () {
  this.timeout(60_000);
  const dir = tmp();
  const fifo = path.join(dir, 'pipe');
  before(() => execFileSync('mkfifo', [fifo]));

  const cases: [string, () => string, RegExp][] = [
    ['/dev/zero (a device)', () => '/dev/zero', /is a device, not a regular file/],
    ['a FIFO with no writer', () => fifo, /is a named pipe \(FIFO\)/],
    ['a folder', () => dir, /is a folder, not a file/],
    ['a missing file', () => path.join(dir, 'missing.diff'), /does not exist: check the path/],
    ['a dangling link', () => {
      const link = path.join(dir, `dangling-${Math.random()}`);
      fs.symlinkSync(path.join(dir, 'nowhere'), link);
      return link;
    }, /is a link to something that does not exist/],
    ['a link loop', () => {
      const a = path.join(dir, `loop-a-${Math.random()}`);
      const b = path.join(dir, `loop-b-${Math.random()}`);
      fs.symlinkSync(b, a);
      fs.symlinkSync(a, b);
      return a;
    }, /symbolic link that loops/],
    ['a file over the cap (sparse, 300 MiB)', () => {
      const big = path.join(dir, `big-${Math.random()}`);
      fs.writeFileSync(big, '');
      fs.truncateSync(big, 300 * 1024 * 1024);
      return big;
    }, /is larger than \d+ MiB/],
  ];

  for (const [what, file, message] of cases) {
    it(`patch apply refuses ${what}`, async () => {
      const r = await runCli(['patch', 'apply', file(), '--cwd', tmp()]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^codecompanion patch: the patch file /);
      assert.match(r.stderr, message);
      oneLine(r.stderr);
    });

    it(`run --replay refuses ${what}`, async () => {
      const cwd = tmp();
      const r = await runCli(['run', 'x', '--replay', file(), '--cwd', cwd]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /the recorded session /);
      assert.match(r.stderr, message);
      oneLine(r.stderr);
      assert.equal(fs.existsSync(path.join(cwd, '.codecompanion')), false, 'refused before the database was opened');
    });
  }

  it('reads a regular file, through a link, and caps what it reads', () => {
    const file = path.join(dir, 'ok.txt');
    fs.writeFileSync(file, 'hello');
    const link = path.join(dir, 'ok-link');
    fs.symlinkSync(file, link);
    assert.equal(readInputFile(link, { what: 'f', maxBytes: 5 }).toString(), 'hello');
    assert.throws(() => readInputFile(file, { what: 'the file f', maxBytes: 4 }), (e: unknown) => e instanceof InputFileError && /the file f is larger than 0 KiB/.test(e.message));
  });
});

describe('errno errors in words', () => {
  const errno = (code: string, syscall: string, p: string, dest?: string) => Object.assign(new Error(`${code}: something, ${syscall} '${p}'`), { code, syscall, path: p, ...(dest ? { dest } : {}) });
  const table: [ReturnType<typeof errno>, RegExp][] = [
    [errno('EISDIR', 'read', '/w/a'), /^\/w\/a is a folder, not a file/],
    [errno('EEXIST', 'mkdir', '/w/.codecompanion'), /^\/w\/\.codecompanion already exists: move it away/],
    [errno('EACCES', 'open', '/w/x'), /^cannot open \/w\/x: permission denied/],
    [errno('EROFS', 'open', '/w/.codecompanion/writer.lock'), /^cannot open \/w\/\.codecompanion\/writer\.lock: it is on a read-only file system/],
    [errno('ENOSPC', 'write', '/w/f'), /^cannot write to \/w\/f: the disk is full/],
    [errno('ENOTDIR', 'open', '/w/f/g'), /a part of its path is a file/],
    [errno('ENAMETOOLONG', 'open', '/w/long'), /the name is too long/],
    [errno('EWEIRD', 'open', '/w/q'), /^cannot open \/w\/q: something, open '\/w\/q' \(EWEIRD\)$/],
  ];
  it('names the file and what to do, in one line', () => {
    for (const [err, expected] of table) assert.match(describeFsError(err)!, expected);
    assert.equal(describeFsError(new Error('plain')), undefined);
  });

  it('gives the patch engine the same words, as a short errno-tagged reason', () => {
    assert.equal(fsErrorReason(errno('ENOSPC', 'write', '/w/f')), 'the disk is full (ENOSPC)');
    assert.equal(fsErrorReason(errno('EPERM', 'rename', '/w/f')), 'operation not permitted (EPERM)');
    assert.equal(fsErrorReason(errno('EROFS', 'open', '/w/f')), 'it is on a read-only file system (EROFS)');
    assert.match(describeFsError(errno('EROFS', 'open', '/w/f'))!, /it is on a read-only file system/);
    assert.equal(fsErrorReason(new Error('plain\nsecond line')), 'plain');
  });

  it('is one table in one module: no other source file maps errno codes to words', () => {
    const src = path.resolve(__dirname, '../../../src');
    const tables: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith(path.join('core', 'fsErrors.ts')) && /^\s*E[A-Z]{3,}:\s*['"{]/m.test(fs.readFileSync(p, 'utf8'))) tables.push(path.relative(src, p));
      }
    };
    walk(src);
    assert.deepEqual(tables, []);
  });

  it('--cwd naming a file or nothing says which, for every command (exit 2)', async () => {
    const cwd = tmp();
    const file = path.join(cwd, 'f');
    fs.writeFileSync(file, 'x');
    const patch = path.join(cwd, 'p.patch');
    fs.writeFileSync(patch, 'f\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n');
    for (const argv of [['runs', '--cwd', file], ['patch', 'apply', patch, '--cwd', file]]) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--cwd \S+\/f: a file, not a folder: give the workspace folder/);
    }
    for (const argv of [['runs', '--cwd', path.join(cwd, 'missing')], ['patch', 'apply', patch, '--cwd', path.join(cwd, 'missing')]]) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--cwd \S+\/missing: no such folder/);
    }
  });

  it('a command hitting one prints it so (a database folder that is a file)', async () => {
    const cwd = tmp();
    fs.writeFileSync(path.join(cwd, '.codecompanion'), 'not a folder');
    const r = await runCli(['runs', '--cwd', cwd]);
    assert.equal(r.code, 1, r.stderr);
    oneLine(r.stderr);
    assert.match(r.stderr, /\.codecompanion/);
  });
});
