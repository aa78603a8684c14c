// A worker killed with SIGKILL in the middle of a check leaves nothing running, at every containment
// level: bubblewrap (--die-with-parent), user namespaces and the process-tree level (setpriv
// --pdeathsig, src/core/sandbox/parentDeath.ts). The check starts a marked process in the background
// and one in the foreground; once both run, the real `codecompanion worker` is killed, and every
// process carrying the mark must be gone.
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkspaceView } from '../../../src/core/orchestrator/workspaceView';
import { connectTeam, type TeamClient } from '../../../src/team/redisConnection';
import { remoteChecks } from '../../../src/team/remoteChecks';
import { redisAvailable, startRedis, type RedisServer } from '../../helpers/redisServer';
import { MODES, processesWith, waitFor } from '../security/execHelpers';
import { fakeEnv, sampleTeamServer } from '../orchestrator/helpers';
import { bundleCli, killAll, spawnCli, until } from './teamProcesses';

/** Running node processes whose arguments carry the mark (the shells around them carry it too). */
function nodesWith(mark: string): number {
  return processesWith(mark).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === process.execPath;
    } catch {
      return false;
    }
  }).length;
}

describe('a worker killed mid-check leaves no check process behind', function () {
  this.timeout(180_000);
  let redis: RedisServer;
  let client: TeamClient;
  let cliJs: string;
  const server = sampleTeamServer(100);
  const children: ChildProcess[] = [];
  before(async function () {
    if (!redisAvailable()) throw new Error('redis-server is not installed: apt-get install -y redis-server (.ci/run does it)');
    redis = await startRedis();
    client = await connectTeam(redis.url);
    cliJs = await bundleCli();
  });
  afterEach(async () => {
    killAll(children);
    await client.flushAll();
  });
  after(async () => {
    client?.destroy();
    await redis?.stop();
  });

  for (const mode of MODES) {
    it(`${mode.name}: SIGKILL of the worker kills the check's foreground and background processes`, async function () {
      if (!mode.available()) this.skip();
      const mark = `cc-orphan-${randomBytes(6).toString('hex')}`;
      const name = `victim-${randomBytes(4).toString('hex')}`;
      const worker = spawnCli(cliJs, ['worker', '--redis', redis.url, '--name', name, '--lease', '60000', '--allow-check'], { ...process.env, ...fakeEnv(server()), ...mode.env }, children);
      await until('the worker to take check jobs', () => /taking check jobs/.test(worker.err()));
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-orphan-ws-'));
      fs.writeFileSync(path.join(root, 'package.json'), '{"name":"orphan"}\n');
      const node = JSON.stringify(process.execPath);
      const forever = `${node} -e 'setInterval(() => {}, 1000) // ${mark}'`;
      const stop = new AbortController();
      const check = remoteChecks(client).run(new WorkspaceView(root), { ok: true, edits: [], files: [] }, `${forever} & ${forever}`, 600_000, stop.signal, `orphan/${mark}.check`).catch((err: Error) => err);
      try {
        assert.ok(await waitFor(() => nodesWith(mark) >= 2, 60_000), `the check's two processes never ran: ${worker.err()}`);
        worker.child.kill('SIGKILL');
        await worker.exited;
        assert.ok(await waitFor(() => processesWith(mark).length === 0, 15_000), `check processes outlived the worker: ${processesWith(mark).join(', ')}`);
      } finally {
        stop.abort(new Error('the test is over'));
        for (const pid of processesWith(mark)) process.kill(pid, 'SIGKILL');
        await check;
      }
    });
  }
});
