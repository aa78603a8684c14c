// The shipped bundles: the SDK lives only in dist/telemetry.js, which the CLI and the extension load
// when export is on, and the built CLI exports a whole run through it.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startOtlpReceiver } from '../../fakes/otlpReceiver';

const DIST = path.resolve(__dirname, '../../../dist');

describe('telemetry: the lazily loaded SDK bundle', function () {
  this.timeout(120_000);

  it('keeps the OpenTelemetry SDK out of the CLI (dist/cli.js and its commands, dist/cliCommands.js) and the extension (dist/extension.js, its entry, and dist/host.js)', () => {
    for (const f of ['extension.js', 'cli.js']) assert.ok(!fs.readFileSync(path.join(DIST, f), 'utf8').includes('BatchSpanProcessor'), `${f} bundles the SDK`);
    for (const f of ['cliCommands.js', 'host.js']) {
      const text = fs.readFileSync(path.join(DIST, f), 'utf8');
      assert.ok(!text.includes('BatchSpanProcessor') && !text.includes('OTLPTraceExporter'), `${f} bundles the SDK`);
      assert.match(text, /import\("\.\/telemetry\.js"\)/, `${f} loads it lazily`);
    }
    assert.match(fs.readFileSync(path.join(DIST, 'telemetry.js'), 'utf8'), /BatchSpanProcessor/);
  });

  it('the built CLI exports a recorded sample run through dist/telemetry.js', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-otel-bundle-'));
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
      const child = spawn(process.execPath, [path.join(DIST, 'cli.js'), 'run', '--sample', '--cwd', cwd, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0, stderr);
      const traced = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.type === 'run.traced');
      assert.ok(traced, 'run.traced recorded');
      const spans = receiver.spans();
      assert.ok(spans.some((s) => s.name === 'invoke_workflow codecompanion' && s.traceId === traced.data.traceId));
      assert.ok(spans.filter((s) => s.name.startsWith('chat ')).length >= 8);
      assert.ok(receiver.metricPoints().some((p) => p.metric === 'gen_ai.client.token.usage'));
    } finally {
      await receiver.close();
    }
  });
});
