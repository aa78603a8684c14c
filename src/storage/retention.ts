// Retention: a finished run's agent.call.streamed events (one per ~250 ms of a model's output) are
// folded, call by call, into one streamed event holding the whole text, at the seq of the first. The
// text, its length and everything else the run's fold, replay, resume, audit and dashboard read stay
// as they were; only the run's seqs get gaps where the other stream events were. Each run is
// compacted in one transaction (one journal record): a kill leaves it compacted or untouched.
import type { Database, SqlStatement } from './database';

export const DAY_MS = 24 * 3600 * 1000;
/** Runs finished longer ago than this are compacted at a writer's open unless the user says otherwise. */
export const DEFAULT_RETENTION_DAYS = 30;
/** A writer's open compacts at most this many runs: the cost per open stays bounded. */
export const RUNS_PER_OPEN = 20;

export interface RetentionOptions {
  /** Runs that finished (completed, failed, cancelled) before now - olderThanMs. */
  readonly olderThanMs: number;
  readonly now?: number;
  readonly maxRuns?: number;
}

export interface CompactionReport {
  readonly runs: number;
  readonly calls: number;
  readonly eventsRemoved: number;
  /** Finished runs old enough that are still waiting (the bound per call was reached). */
  readonly remaining: number;
}

/** "30d", "12h", "0" / "off" (never): the retention a user writes. */
export function parseRetention(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === 'never') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(d|h|m)?$/.exec(t);
  if (!m) throw new Error(`retention "${text}": expected a duration such as 30d, 12h or off`);
  const n = Number(m[1]);
  return n * (m[2] === 'h' ? 3600_000 : m[2] === 'm' ? 60_000 : DAY_MS);
}

export async function compactFinishedRuns(db: Database, options: RetentionOptions): Promise<CompactionReport> {
  const cutoff = (options.now ?? Date.now()) - options.olderThanMs;
  const candidates = (limit: number) =>
    db.all<{ run_id: string }>(
      `SELECT s.run_id FROM run_summaries s LEFT JOIN compactions c ON c.run_id = s.run_id
       WHERE c.run_id IS NULL AND s.status IN ('completed', 'failed', 'cancelled') AND s.updated_at < ?
       ORDER BY s.updated_at LIMIT ?`,
      [cutoff, limit],
    );
  const maxRuns = options.maxRuns ?? Number.MAX_SAFE_INTEGER;
  let runs = 0;
  let calls = 0;
  let eventsRemoved = 0;
  for (const { run_id } of candidates(Math.min(maxRuns, 1_000_000))) {
    const r = await compactRun(db, run_id, options.now ?? Date.now());
    runs++;
    calls += r.calls;
    eventsRemoved += r.eventsRemoved;
  }
  const remaining = candidates(1_000_000).length;
  return { runs, calls, eventsRemoved, remaining };
}

/** Folds the streamed events of every call of the run that finished or failed; marks the run compacted. */
export async function compactRun(db: Database, runId: string, now = Date.now()): Promise<{ calls: number; eventsRemoved: number }> {
  const ended = new Set(
    db
      .all<{ data: string }>("SELECT data FROM events WHERE run_id = ? AND type IN ('agent.call.finished', 'agent.call.failed')", [runId])
      .map((r) => (JSON.parse(r.data) as { callId?: string }).callId),
  );
  const byCall = new Map<string, { seq: number; text: string; chars: number }[]>();
  for (const r of db.all<{ seq: number; data: string }>("SELECT seq, data FROM events WHERE run_id = ? AND type = 'agent.call.streamed' ORDER BY seq", [runId])) {
    const d = JSON.parse(r.data) as { callId: string; text: string; chars: number };
    if (!ended.has(d.callId)) continue; // a call with no end: its stream is all there is of it
    const list = byCall.get(d.callId) ?? [];
    list.push({ seq: r.seq, text: d.text, chars: d.chars });
    byCall.set(d.callId, list);
  }
  const statements: SqlStatement[] = [];
  let removed = 0;
  let calls = 0;
  for (const [callId, parts] of byCall) {
    if (parts.length < 2) continue;
    calls++;
    const data = JSON.stringify({ callId, text: parts.map((p) => p.text).join(''), chars: parts.reduce((n, p) => n + p.chars, 0) });
    statements.push({ sql: 'UPDATE events SET data = ? WHERE run_id = ? AND seq = ?', params: [data, runId, parts[0]!.seq] });
    const rest = parts.slice(1).map((p) => p.seq);
    removed += rest.length;
    for (let i = 0; i < rest.length; i += 500) {
      const slice = rest.slice(i, i + 500);
      statements.push({ sql: `DELETE FROM events WHERE run_id = ? AND seq IN (${slice.map(() => '?').join(',')})`, params: [runId, ...slice] });
    }
  }
  statements.push({ sql: 'INSERT OR REPLACE INTO compactions (run_id, compacted_at, events_removed) VALUES (?, ?, ?)', params: [runId, now, removed] });
  await db.write(statements);
  return { calls, eventsRemoved: removed };
}
