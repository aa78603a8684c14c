// The parts of the check's containment on their own: the environment allowlist, the scratch
// copy's link rules, the process-tree sweep, the containment report, and a daemon left by a check
// that ended by itself, at each level.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkEnvironment, parseVariableList, refusedCheckVariables } from '../../../src/core/sandbox/checkEnvironment';
import { containment, describeContainment } from '../../../src/core/sandbox/containment';
import { MARKER_VARIABLE, sweep } from '../../../src/core/sandbox/processTree';
import { copyWorkspace } from '../../../src/core/sandbox/scratchCopy';
import { runContainedCheck } from '../../../src/core/orchestrator/checkCommand';
import { systemClock } from '../../../src/core/ports/clock';
import { MODES, processesWith, waitFor } from './execHelpers';

describe('security: check sandbox parts', () => {
  it('the check environment is the allowlist plus listed names; secret-looking names are refused even when listed', () => {
    const host = { PATH: '/usr/bin', LANG: 'C.UTF-8', LC_ALL: 'C', HOME: '/home/me', PWD: '/home/me/ws', ANTHROPIC_API_KEY: 'fake-anthropic-key-for-tests', GITHUB_TOKEN: 'fake-github-token-0123', DB_PASSWORD_FILE: '/secret/path/x', AWS_SECRET_ACCESS_KEY: 'fake-aws-secret-key-xx', NODE_ENV: 'test', COPY_OF_KEY: 'fake-anthropic-key-for-tests', SHELL: '/bin/bash' };
    const pass = parseVariableList('NODE_ENV, GITHUB_TOKEN ANTHROPIC_API_KEY,DB_PASSWORD_FILE AWS_SECRET_ACCESS_KEY COPY_OF_KEY COPY_NOT_SET HOME');
    const env = checkEnvironment({ hostEnv: host, pass, home: '/scratch/home', tmp: '/scratch/tmp', extra: { [MARKER_VARIABLE]: 'm' } });
    assert.deepEqual(env, { PATH: '/usr/bin', LANG: 'C.UTF-8', LC_ALL: 'C', NODE_ENV: 'test', HOME: '/scratch/home', TMPDIR: '/scratch/tmp', TMP: '/scratch/tmp', TEMP: '/scratch/tmp', CI: '1', [MARKER_VARIABLE]: 'm' });
    assert.deepEqual(refusedCheckVariables(pass, host).map((r) => r.name), ['GITHUB_TOKEN', 'ANTHROPIC_API_KEY', 'DB_PASSWORD_FILE', 'AWS_SECRET_ACCESS_KEY', 'COPY_OF_KEY', 'HOME']);
    assert.match(refusedCheckVariables(['COPY_OF_KEY_VALUE'], { ...host, COPY_OF_KEY_VALUE: 'x fake-anthropic-key-for-tests' })[0]!.why, /its value holds a secret/);
  });

  it('the scratch copy keeps in-workspace links inside the copy and refuses links leading out, dangling or looping', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'outside\n');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-ws-'));
    fs.mkdirSync(path.join(root, 'real/sub'), { recursive: true });
    fs.writeFileSync(path.join(root, 'real/sub/f.txt'), 'f\n');
    fs.symlinkSync('real', path.join(root, 'alias'));
    fs.symlinkSync(path.join(root, 'real/sub/f.txt'), path.join(root, 'absolute-inside'));
    fs.symlinkSync('../../real', path.join(root, 'real/sub/up'));
    fs.symlinkSync(outside, path.join(root, 'out-dir'));
    fs.symlinkSync('../' + path.basename(outside) + '/secret.txt', path.join(root, 'out-relative'));
    fs.symlinkSync('nowhere', path.join(root, 'dangling'));
    fs.symlinkSync('loop-b', path.join(root, 'loop-a'));
    fs.symlinkSync('loop-a', path.join(root, 'loop-b'));
    fs.mkdirSync(path.join(root, '.git'));
    fs.writeFileSync(path.join(root, '.git/config'), '[core]\n');
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-copy-'));
    const result = copyWorkspace({ root, dest, dependencies: false });
    assert.deepEqual([...result.refused].sort(), ['dangling', 'loop-a', 'loop-b', 'out-dir', 'out-relative']);
    assert.ok(!fs.existsSync(path.join(dest, '.git')));
    const realDest = fs.realpathSync(dest);
    for (const link of ['alias', 'absolute-inside', 'real/sub/up']) {
      const text = fs.readlinkSync(path.join(dest, link));
      assert.ok(!path.isAbsolute(text), `${link} -> ${text} is relative`);
      assert.ok(fs.realpathSync(path.join(dest, link)).startsWith(realDest + path.sep), `${link} stays in the copy`);
    }
    fs.writeFileSync(path.join(dest, 'alias/sub/f.txt'), 'changed in the copy\n');
    assert.equal(fs.readFileSync(path.join(root, 'real/sub/f.txt'), 'utf8'), 'f\n');
  });

  it('the sweep kills every marked process, a setsid daemon included, and nothing else', async function () {
    if (process.platform !== 'linux') this.skip();
    const marker = randomBytes(8).toString('hex');
    const needle = `cc-sweep-${marker}`;
    const env = { PATH: process.env.PATH ?? '', [MARKER_VARIABLE]: marker };
    spawn('setsid', [process.execPath, '-e', `setInterval(() => {}, 1000) // ${needle}`], { env, detached: true, stdio: 'ignore' }).unref();
    const other = `cc-bystander-${marker}`;
    const bystander = spawn(process.execPath, ['-e', `setInterval(() => {}, 1000) // ${other}`], { stdio: 'ignore' });
    try {
      assert.ok(await waitFor(() => processesWith(needle).length === 1 && processesWith(other).length === 1, 10_000), 'both started');
      assert.ok(sweep(marker) >= 1);
      assert.ok(await waitFor(() => processesWith(needle).length === 0, 10_000), 'the daemon is dead');
      assert.deepEqual(processesWith(other), [bystander.pid], 'an unmarked process lives');
    } finally {
      bystander.kill('SIGKILL');
      for (const pid of processesWith(needle)) process.kill(pid, 'SIGKILL');
    }
  });

  it('says which containment is in force, and CODECOMPANION_SANDBOX=off switches sandboxing off', () => {
    const off = containment({ ...process.env, CODECOMPANION_SANDBOX: 'off' });
    assert.equal(off.level, 'process-tree');
    assert.match(describeContainment(off), /^process group \+ \/proc sweep.*no sandbox: .* \(CODECOMPANION_SANDBOX=off switches sandboxing off\)$/);
    const none = containment({ PATH: '/nonexistent' });
    assert.equal(none.level, 'process-tree');
    assert.match(none.why ?? '', /bwrap is not installed.*unshare or setpriv \(util-linux\) is not on PATH|Linux only/);
    // bubblewrap missing, user namespaces working: the middle level, and why bwrap is not used
    const ns = containment({ ...process.env, CODECOMPANION_SANDBOX: 'namespaces' });
    if (ns.level === 'namespaces') assert.match(describeContainment(ns), /^user namespaces \(unshare\): no network, own PID namespace and \/proc, node_modules read-only.* \(CODECOMPANION_SANDBOX=namespaces skips bubblewrap\)$/);
    const auto = containment(process.env);
    if (auto.level === 'bubblewrap') assert.match(describeContainment(auto), /^bubblewrap: no network, read-only system/);
  });

  for (const mode of MODES) {
    it(`${mode.name}: a daemon a check leaves behind when it ends by itself dies with it (no sweep needed in a PID namespace)`, async function () {
      if (!mode.available()) this.skip();
      const mark = `cc-left-${randomBytes(6).toString('hex')}`;
      const node = JSON.stringify(process.execPath);
      const command = `setsid ${node} -e 'setInterval(() => {}, 1000) // ${mark}' >/dev/null 2>&1 & sleep 1; echo left`;
      try {
        const report = await runContainedCheck({ prepare: () => [], dependencies: undefined }, command, 60_000, systemClock, undefined, { env: { ...process.env, ...mode.env }, pass: [] });
        assert.equal(report.passed, true, report.output);
        assert.ok(await waitFor(() => processesWith(mark).length === 0, 15_000), `the daemon outlived the check: ${processesWith(mark).join(', ')}`);
      } finally {
        for (const pid of processesWith(mark)) process.kill(pid, 'SIGKILL');
      }
    });
  }
});
