// One redaction module: known key values are scrubbed from event payloads on the run log's append
// path (so no store, bus or later prompt ever holds them), provider errors also lose key-shaped
// text, and no code in src/ hands a child process this process's environment.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { event } from '../../../src/core/events';
import { RunLog } from '../../../src/core/orchestrator/runLog';
import { isSecretName, Redactor, REDACTED, scrubErrorText, secretValuesOf } from '../../../src/core/security/redaction';
import { FAKE_KEYS } from '../../fakes/fakeKeys';
import { InMemoryEventStore } from '../../fakes/inMemoryEventStore';

const SRC = path.resolve(__dirname, '../../../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [path.join(dir, e.name)] : []));
}

describe('security: redaction', () => {
  it('knows the secret-named variables of an environment, long enough to be keys', () => {
    for (const name of ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN', 'CLIENT_SECRET', 'DB_PASSWORD', 'PGPASSWORD', 'AWS_SECRET_ACCESS_KEY', 'NPM_AUTH_TOKEN', 'GH_PAT']) assert.ok(isSecretName(name), name);
    for (const name of ['PATH', 'HOME', 'LANG', 'NODE_ENV', 'KEYBOARD_LAYOUT', 'CI']) assert.ok(!isSecretName(name), name);
    assert.deepEqual(secretValuesOf({ OPENAI_API_KEY: FAKE_KEYS.openai, SHORT_TOKEN: 'abc', PATH: '/usr/bin:/bin' }), [FAKE_KEYS.openai]);
  });

  it('scrubs every string of a payload, nested, keys of objects included, and leaves other text alone', () => {
    const r = Redactor.fromEnv({ ANTHROPIC_API_KEY: FAKE_KEYS.anthropic }, [FAKE_KEYS.gemini]);
    const payload = { output: `ANTHROPIC_API_KEY=${FAKE_KEYS.anthropic}`, list: ['ok', `x${FAKE_KEYS.gemini}y`], nested: { [FAKE_KEYS.gemini]: 1, n: 2, flag: true, none: null } };
    assert.deepEqual(r.deep(payload), { output: `ANTHROPIC_API_KEY=${REDACTED}`, list: ['ok', `x${REDACTED}y`], nested: { [REDACTED]: 1, n: 2, flag: true, none: null } });
    const clean = { a: 'nothing secret here: ?key=abc Bearer xyz', b: [1, 2] };
    assert.equal(r.deep(clean), clean, 'untouched values are returned as they are (no copy)');
  });

  it('provider error text also loses anything shaped like a key', () => {
    assert.equal(scrubErrorText(`401 for sk-ant-abcdefghijklmnop at https://x/?key=AIzaSyA-0123456789abcdefghij&alt=sse Bearer tok123 ${FAKE_KEYS.openai}`, [FAKE_KEYS.openai]), `401 for ${REDACTED} at https://x/?key=${REDACTED}&alt=sse Bearer ${REDACTED} ${REDACTED}`);
  });

  it('the run log stores and hands on events with the known keys scrubbed', async () => {
    const store = new InMemoryEventStore();
    const seen: unknown[] = [];
    const log = RunLog.fresh('run-1', store, undefined, (e) => seen.push(e), Redactor.fromEnv({ OPENAI_API_KEY: FAKE_KEYS.openai }));
    await log.append(event('agent.call.failed', { callId: 'c1', taskId: 't', provider: 'openai', model: 'm', kind: 'server', message: `echoed ${FAKE_KEYS.openai}`, costUsd: null, durationMs: 1 }));
    const stored = await store.readRun('run-1');
    for (const text of [JSON.stringify(stored), JSON.stringify(seen)]) {
      assert.ok(!text.includes(FAKE_KEYS.openai));
      assert.ok(text.includes(`echoed ${REDACTED}`));
    }
  });

  it('no code in src/ spreads process.env into anything (a child gets an allowlist)', () => {
    const spreads = sourceFiles(SRC).filter((f) => /\.\.\.\s*process\.env\b/.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(SRC, f));
    assert.deepEqual(spreads, []);
  });
});
