// Retention: a finished run's agent.call.streamed events (one per ~250 ms of a model's output) are
// folded, call by call, into one streamed event holding the whole text, at the seq of the first. The
// text, its length and everything else the run's fold, replay, resume, audit and dashboard read stay
// as they were; only the run's seqs get gaps where the other stream events were. Compaction happens
// as a run's archive is written (archiver.ts): a kill leaves the run compacted or untouched.
import type { StoredEvent } from '../core/ports/eventStore';

export const DAY_MS = 24 * 3600 * 1000;
/** Runs finished longer ago than this are compacted at a writer's open unless the user says otherwise. */
export const DEFAULT_RETENTION_DAYS = 30;

/** "30d", "12h", "0" / "off" (never): the retention a user writes. */
export function parseRetention(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === 'never') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(d|h|m)?$/.exec(t);
  if (!m) throw new Error(`retention "${text}": expected a duration such as 30d, 12h or off`);
  const n = Number(m[1]);
  return n * (m[2] === 'h' ? 3600_000 : m[2] === 'm' ? 60_000 : DAY_MS);
}

/**
 * Folds the streamed events of every call of the run that finished or failed into one holding the
 * whole text, at the seq of the first: the run's fold, replay, audit and dashboard read the same. A
 * call with no end keeps its stream (it is all there is of the call).
 */
export function compactStreams(events: readonly StoredEvent[]): { events: StoredEvent[]; calls: number; removed: number } {
  const ended = new Set<string>();
  for (const e of events) if (e.type === 'agent.call.finished' || e.type === 'agent.call.failed') ended.add((e.data as { callId?: string }).callId ?? '');
  const byCall = new Map<string, StoredEvent[]>();
  for (const e of events) {
    if (e.type !== 'agent.call.streamed') continue;
    const callId = (e.data as { callId: string }).callId;
    if (!ended.has(callId)) continue;
    const list = byCall.get(callId) ?? [];
    list.push(e);
    byCall.set(callId, list);
  }
  const replaced = new Map<number, StoredEvent>();
  const dropped = new Set<number>();
  let calls = 0;
  for (const [callId, parts] of byCall) {
    if (parts.length < 2) continue;
    calls++;
    const text = parts.map((p) => (p.data as { text: string }).text).join('');
    const chars = parts.reduce((n, p) => n + (p.data as { chars: number }).chars, 0);
    replaced.set(parts[0]!.seq, { ...parts[0]!, data: { callId, text, chars } });
    for (const p of parts.slice(1)) dropped.add(p.seq);
  }
  const out = events.filter((e) => !dropped.has(e.seq)).map((e) => replaced.get(e.seq) ?? e);
  return { events: out, calls, removed: dropped.size };
}
