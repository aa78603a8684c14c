// Base URLs can carry credentials (user:password@, ?api_key=, ?key=, ?token=): nothing the CLI prints
// shows them, in tables, JSON or errors.
import { strict as assert } from 'node:assert';
import { runCli } from '../../helpers/cliRunner';
import { redactUrl, redactUrlsIn } from '../../../src/core/urlRedaction';

const SECRETS = ['hunter2-pass', 'alice-user', 'QUERYKEY-123', 'GKEY-456', 'TOKEN-789'];

function assertClean(text: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${s} leaked in: ${text}`);
}

describe('URLs are printed without credentials', function () {
  this.timeout(60_000);
  const env = {
    OPENAI_API_KEY: 'fake-key-redaction',
    OPENAI_BASE_URL: 'http://alice-user:hunter2-pass@127.0.0.1:9/v1?api_key=QUERYKEY-123&region=eu',
    GEMINI_API_KEY: 'fake-key-redaction',
    GEMINI_BASE_URL: 'http://127.0.0.1:9/?key=GKEY-456',
    OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:9/v1?token=TOKEN-789',
  };

  for (const argv of [['providers', '--json'], ['providers', '--no-check'], ['providers', '--no-check', '--json']]) {
    it(argv.join(' '), async () => {
      const r = await runCli(argv, { env });
      assertClean(r.stdout + r.stderr);
      assert.match(r.stdout, /127\.0\.0\.1:9/, 'the endpoint is still shown');
      assert.match(r.stdout, /REDACTED/);
      assert.match(r.stdout, /region=eu/, 'harmless parameters stay');
    });
  }

  it('redacts user info and secret parameters, keeps the rest', () => {
    assert.equal(redactUrl('https://u:p@host.example/v1?api_key=abc&x=1'), 'https://REDACTED:REDACTED@host.example/v1?api_key=REDACTED&x=1');
    assert.equal(redactUrl('https://host.example/v1?Key=abc'), 'https://host.example/v1?Key=REDACTED');
    assert.equal(redactUrl('https://host.example/v1'), 'https://host.example/v1');
    assert.equal(redactUrl('not a url'), 'not a url');
    assert.equal(redactUrlsIn('request to https://u:p@h.example/x?token=t failed.'), 'request to https://REDACTED:REDACTED@h.example/x?token=REDACTED failed.');
  });
});
