// A stand-in for a CLI run for the review bench: holds the workspace database as its writer, as
// `codecompanion run` does, with four model calls streaming at once, each an agent.call.streamed event
// every 250 ms (the coalescing interval) of about 200 characters (a fast model's output in that time),
// until stdin closes; meanwhile it takes the decisions other processes hand it.
import { openStore } from '../../src/app/openStore';

const CALLS = 4;
const EVERY_MS = 250;

async function main(): Promise<void> {
  const root = process.argv[2]!;
  const opened = await openStore(root, 'write', 'codecompanion run', { lockTimeoutMs: 10_000 });
  let appended = 0;
  let stop = false;
  process.stdin.on('end', () => (stop = true));
  process.stdin.resume();
  process.stdout.write('ready\n');
  const stream = async (call: number) => {
    // the calls' intervals are staggered, as calls started at different moments are
    await new Promise((r) => setTimeout(r, (call * EVERY_MS) / CALLS));
    for (let i = 0; !stop; i++) {
      const text = `chunk ${i} of call ${call}: `.padEnd(200, 'lorem ipsum dolor sit amet ');
      await opened.store.append('run-writing', [{ type: 'agent.call.streamed', data: { callId: `c${call}`, text, chars: text.length } }]);
      appended++;
      await new Promise((r) => setTimeout(r, EVERY_MS));
    }
  };
  await Promise.all(Array.from({ length: CALLS }, (_, call) => stream(call)));
  await opened.close();
  process.stdout.write(`appended ${appended}\n`);
}

void main();
