// Shared shapes and helpers for benchmark suites.
export interface BenchRow {
  readonly metric: string;
  readonly value: number | string;
  readonly unit?: string;
  readonly goal?: string;
}

export interface BenchSuite {
  readonly name: string;
  /** Calls `report` for each row as soon as it is measured, and returns them all. */
  run(report: (row: BenchRow) => void): Promise<BenchRow[]>;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Collects rows while reporting them as they come. */
export function rowCollector(report: (row: BenchRow) => void): { add(row: BenchRow): void; rows: BenchRow[] } {
  const rows: BenchRow[] = [];
  return {
    rows,
    add(row) {
      rows.push(row);
      report(row);
    },
  };
}

/** The heap in use after a full collection (`npm run bench` exposes gc; without it, it is enabled here). */
export function heapAfterGc(): number {
  if (typeof global.gc !== 'function') {
    require('node:v8').setFlagsFromString('--expose-gc');
    global.gc = require('node:vm').runInNewContext('gc') as typeof global.gc;
  }
  global.gc!();
  return process.memoryUsage().heapUsed;
}
