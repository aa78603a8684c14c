// Re-records samples/session.jsonl: runs the bundled sample objective through the real pipeline and
// the real vendor SDKs against the loopback fake vendor servers playing the scripted sample team
// (test/fakes/sampleTeam.ts), recording every exchange. Run after changing prompts or the sample:
//   npx tsx scripts/recordSample.ts
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFakeModelServer } from '../test/fakes/fakeModelServer';
import { sampleTeam } from '../test/fakes/sampleTeam';
import { runCli } from '../test/helpers/cliRunner';

async function main(): Promise<void> {
  const server = await startFakeModelServer();
  server.respond(sampleTeam);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-record-sample-'));
  const out = path.resolve(__dirname, '..', 'samples', 'session.jsonl');
  const env = {
    ANTHROPIC_API_KEY: 'sk-ant-fake',
    ANTHROPIC_BASE_URL: server.urls.anthropic,
    OPENAI_API_KEY: 'sk-fake',
    OPENAI_BASE_URL: server.urls.openai,
    GEMINI_API_KEY: 'fake',
    GEMINI_BASE_URL: server.urls.gemini,
  };
  try {
    const result = await runCli(['run', '--sample', '--cwd', root, '--record', out], { env });
    process.stderr.write(result.stderr);
    process.stdout.write(result.stdout);
    if (result.code !== 0) throw new Error(`the sample run exited with ${result.code}`);
    process.stdout.write(`recorded ${server.requests.length} exchanges to ${out}\n`);
  } finally {
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
