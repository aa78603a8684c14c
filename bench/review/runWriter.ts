// A stand-in for a CLI run for the review bench: holds the workspace database as its writer and
// appends a streamed-output event (~2 KB) every 20 ms until stdin closes, taking handed-off decisions.
import { openStore } from '../../src/app/engine';

async function main(): Promise<void> {
  const root = process.argv[2]!;
  const opened = await openStore(root, 'write', 'codecompanion run', { lockTimeoutMs: 10_000 });
  let i = 0;
  let stop = false;
  process.stdin.on('end', () => (stop = true));
  process.stdin.resume();
  process.stdout.write('ready\n');
  while (!stop) {
    await opened.store.append('run-writing', [{ type: 'agent.call.streamed', data: { callId: 'c1', text: 'x'.repeat(2000), chars: 2000 + i++ } }]);
    await new Promise((r) => setTimeout(r, 20));
  }
  await opened.close();
  process.stdout.write(`appended ${i}\n`);
}

void main();
