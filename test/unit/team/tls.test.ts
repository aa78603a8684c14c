// Team mode over TLS with an ACL user, against a real redis-server serving rediss:// only, with a
// certificate from a throwaway CA: a run publishes when the CA is trusted the standard Node way
// (NODE_EXTRA_CA_CERTS); an untrusted certificate and a wrong ACL password are one clear line each,
// never the password.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createClient } from 'redis';
import { redisAvailable, startRedis, type RedisServer } from '../../helpers/redisServer';
import { fakeEnv, jsonLines, sampleTeamServer, sampleWorkspace } from '../orchestrator/helpers';

const OBJECTIVE = 'add pagination to the users API';
const ACL_PASSWORD = 'alice-acl-5e1b';
const CLI = path.resolve(__dirname, '../../../dist/cli.js');

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('team mode over TLS with an ACL user (real redis-server, rediss://)', function () {
  this.timeout(180_000);
  const server = sampleTeamServer();
  let redis: RedisServer;

  before(async () => {
    if (!redisAvailable()) throw new Error('redis-server is not installed: apt-get install -y redis-server (.ci/run does it)');
    if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: npm run build (npm test does it)');
    // the default user is off: only alice, limited to the team's keys, may connect
    redis = await startRedis({ tls: true, users: ['default off', `alice on >${ACL_PASSWORD} ~codecompanion:* &* +@all`] });
  });

  after(async () => redis?.stop());

  it('publishes a run as alice once the CA is trusted; an untrusted certificate and a wrong password are refused clearly', async () => {
    const url = (password: string) => redis.url.replace('rediss://', `rediss://alice:${password}@`);
    const env = fakeEnv(server());

    const untrusted = await cli(['run', OBJECTIVE, '--cwd', sampleWorkspace(), '--redis', url(ACL_PASSWORD)], env);
    assert.equal(untrusted.code, 2, untrusted.stderr);
    assert.match(untrusted.stderr, /TLS to rediss:\/\/alice:\*\*\*@127\.0\.0\.1:\d+\/? failed: .*(certificate|self.signed)/i);
    assert.ok(!untrusted.stderr.includes(ACL_PASSWORD));

    const wrong = await cli(['run', OBJECTIVE, '--cwd', sampleWorkspace(), '--redis', url('not-her-password')], { ...env, NODE_EXTRA_CA_CERTS: redis.caFile });
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /refused the credentials/);
    assert.ok(!wrong.stderr.includes('not-her-password'));

    const run = await cli(['run', OBJECTIVE, '--cwd', sampleWorkspace(), '--json', '--redis', url(ACL_PASSWORD)], { ...env, NODE_EXTRA_CA_CERTS: redis.caFile });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /team bus: publishing to rediss:\/\/alice:\*\*\*@/);
    const events = jsonLines(run.stdout);
    const runId = events[0]!.runId;
    const reader = createClient({ url: url(ACL_PASSWORD), socket: { tls: true, ca: fs.readFileSync(redis.caFile!) } });
    await reader.connect();
    try {
      const published = (await reader.xRange(`codecompanion:run:${runId}`, '-', '+')) ?? [];
      assert.equal(published.length, events.length, 'every event of the run went over TLS, once');
      assert.equal(published.at(-1)?.message.type, 'run.completed');
    } finally {
      reader.destroy();
    }
  });
});
