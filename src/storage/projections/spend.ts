// Spend per quarter hour (every time zone's midnight falls on one), so today's spend is a sum over
// at most 96 rows whatever the history holds.
import type { Projection, ProjectionFold, ReadSql } from '../projection';

const BUCKET_MS = 15 * 60 * 1000;

/** What was spent since local midnight of `now`'s day (the daily budget's measure). */
export function daySpentUsd(read: ReadSql, now: number): number {
  const dayStart = new Date(now).setHours(0, 0, 0, 0);
  return Number(read<{ s: number | null }>('SELECT sum(spent_usd) AS s FROM spend_buckets WHERE bucket >= ?', [dayStart])[0]?.s ?? 0);
}

export const spend: Projection = {
  name: 'spend',
  version: 1,
  tables: ['spend_buckets'],
  ddl: 'CREATE TABLE spend_buckets (bucket INTEGER PRIMARY KEY, spent_usd REAL NOT NULL);',
  fold(read: ReadSql): ProjectionFold {
    const buckets = new Map<number, number>();
    const changed = new Set<number>();
    return {
      prime: () => undefined,
      knows: () => true,
      apply(e) {
        // an interrupted call whose usage is unknown counts its whole reservation (worst case, never $0)
        const spent =
          e.type === 'agent.call.finished' || e.type === 'agent.call.failed' ? (e.data.costUsd ?? 0) : e.type === 'budget.released' && e.data.unknownUsage ? (e.data.spentUsd ?? 0) : undefined;
        if (spent === undefined) return;
        const bucket = Math.floor(e.ts / BUCKET_MS) * BUCKET_MS;
        const current = buckets.get(bucket) ?? Number(read<{ s: number }>('SELECT spent_usd AS s FROM spend_buckets WHERE bucket = ?', [bucket])[0]?.s ?? 0);
        buckets.set(bucket, current + spent);
        changed.add(bucket);
      },
      changes() {
        const out = [...changed].map((b) => ({ sql: 'INSERT OR REPLACE INTO spend_buckets (bucket, spent_usd) VALUES (?, ?)', params: [b, buckets.get(b)!] }));
        changed.clear();
        // only the buckets still being added to stay in memory
        if (buckets.size > 8) for (const b of [...buckets.keys()].sort((x, y) => x - y).slice(0, buckets.size - 8)) buckets.delete(b);
        return out;
      },
    };
  },
};
