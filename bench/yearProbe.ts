// One fresh process, as a window or a CLI command would be: opens a workspace, lists its runs,
// shows an old run, then searches the memory. Prints one JSON line of timings and RSS.
// usage: node --expose-gc --import tsx bench/yearProbe.ts ROOT OLD_RUN_ID
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { eventRow, LiveRun, RUN_LIST_LIMIT } from '../src/app/dashboard/liveRun';
import { loadedSearch } from '../src/app/memory';
import { openStore } from '../src/app/openStore';
import { parseEvent } from '../src/core/events';
import { loadSqlJs } from '../src/storage/database';

const rss = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 1e6;
};

async function main(): Promise<void> {
  const [root, oldRun] = process.argv.slice(2) as [string, string];
  await loadSqlJs(); // the wasm is loaded once per process whatever the workspace holds
  let t = performance.now();
  const opened = await openStore(root, 'read-only', 'bench probe');
  const runs = opened.store.runSummaries(RUN_LIST_LIMIT); // what the dashboard's list reads at start
  const openListMs = performance.now() - t;
  const idleMb = rss();
  t = performance.now();
  const events = (await opened.store.readRun(oldRun)).map(parseEvent);
  const view = LiveRun.from(oldRun, events).view([]);
  const rows = events.slice(0, 200).map(eventRow);
  const showMs = performance.now() - t;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  t = performance.now();
  const { search } = await loadedSearch(opened.db, undefined);
  const openMemoryMs = performance.now() - t;
  const q = performance.now();
  const hits = (await search.search('parse the user session token', { limit: 10 })).hits.length;
  const queryMs = performance.now() - q;
  const searchMs = performance.now() - t;
  loop.disable();
  const searchLoopMaxMs = loop.count > 0 ? loop.max / 1e6 : searchMs; // no sample: the whole search was one block
  const searchMb = rss();
  await opened.close();
  process.stdout.write(`${JSON.stringify({ runs: runs.length, openListMs, showMs, agents: view.agents.length, rows: rows.length, idleMb, searchMs, openMemoryMs, queryMs, searchLoopMaxMs, hits, searchMb })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
