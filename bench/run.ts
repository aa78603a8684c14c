// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints each
// suite's table and writes all results to .bench/results.json. Timings are reported, never asserted.
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchSuite, BenchRow } from './harness';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const dir = __dirname;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort();
  const results: Record<string, BenchRow[]> = {};
  const loads: Record<string, { before: number[]; after: number[] }> = {};
  for (const file of files) {
    const mod = (await import(path.join(dir, file))) as { suite: BenchSuite };
    // numbers on a shared machine mean little without the load they were measured under
    const before = os.loadavg();
    process.stdout.write(`\n## ${mod.suite.name}  (${file})  load average ${formatLoad(before)} on ${os.cpus().length} cores\n`);
    const started = Date.now();
    const rows = await mod.suite.run((row) => {
      process.stdout.write(`  ${row.metric.padEnd(58)} ${formatValue(row)}${row.goal ? `   goal ${row.goal}` : ''}\n`);
    });
    results[mod.suite.name] = rows;
    const after = os.loadavg();
    loads[mod.suite.name] = { before, after };
    process.stdout.write(`  (${((Date.now() - started) / 1000).toFixed(1)} s; load average at the end ${formatLoad(after)})\n`);
  }
  mkdirSync('.bench', { recursive: true });
  writeFileSync('.bench/results.json', JSON.stringify({ at: new Date().toISOString(), node: process.version, loads, results }, null, 2));
  process.stdout.write('\nresults written to .bench/results.json\n');
}

function formatLoad(l: readonly number[]): string {
  return l.map((x) => x.toFixed(2)).join(' / ');
}

function formatValue(row: BenchRow): string {
  const v = typeof row.value === 'number' ? (Number.isInteger(row.value) ? String(row.value) : row.value.toFixed(3)) : row.value;
  return `${v}${row.unit ? ' ' + row.unit : ''}`;
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
