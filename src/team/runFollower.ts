// Following a run from any machine: XREAD BLOCK on the run's stream from the last id seen, so a
// follower that was cut off (its network, a Redis restart) continues with no gap and no duplicate.
// Ends after the run's terminal event.
import type { TeamClient } from './redisConnection';
import { entryId, fromEntry, INDEX_STREAM, runStreamKey, TERMINAL_TYPES, type TeamEvent } from './teamStreams';

export interface FollowOptions {
  readonly afterSeq?: number;
  readonly signal: AbortSignal;
  /** How long one XREAD waits before looking at the signal again. */
  readonly blockMs?: number;
  /** Told when Redis cannot be read (the follower keeps trying) and when it can again. */
  readonly onStatus?: (state: 'ok' | 'degraded', reason?: string) => void;
}

export async function* followRun(client: TeamClient, runId: string, options: FollowOptions): AsyncGenerator<TeamEvent> {
  // a blocking read holds its connection: the follower reads on its own
  const reader = client.duplicate();
  reader.on('error', () => undefined);
  await reader.connect();
  let last = options.afterSeq ?? 0;
  let degraded = false;
  try {
    while (!options.signal.aborted) {
      let reply;
      try {
        reply = await reader.xRead({ key: runStreamKey(runId), id: last === 0 ? '0-0' : entryId(last) }, { BLOCK: options.blockMs ?? 1_000, COUNT: 500 });
        if (degraded) options.onStatus?.('ok');
        degraded = false;
      } catch (err) {
        if (!degraded) options.onStatus?.('degraded', (err as Error).message.split('\n')[0]);
        degraded = true;
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      for (const stream of (reply ?? []) as Array<{ messages: Array<{ id: string; message: Record<string, string> }> }>) {
        for (const m of stream.messages) {
          const e = fromEntry(m.id, m.message);
          if (e.seq <= last) continue;
          last = e.seq;
          yield e;
          if (TERMINAL_TYPES.has(e.type)) return;
        }
      }
    }
  } finally {
    await reader.destroy();
  }
}

export interface IndexEntry {
  /** The entry's id in the index stream: where to wait from for the next one. */
  readonly id: string;
  readonly runId: string;
  readonly type: string;
  readonly ts: number;
  readonly workspace: string;
  readonly host: string;
}

/** The runs announced on the index stream, newest first (at most `count`). */
export async function recentRuns(client: TeamClient, count = 50): Promise<IndexEntry[]> {
  const entries = await client.xRevRange(INDEX_STREAM, '+', '-', { COUNT: count * 2 });
  const seen = new Map<string, IndexEntry>();
  for (const e of entries ?? []) {
    const f = e.message as Record<string, string>;
    const runId = f.runId ?? '';
    if (!seen.has(runId)) seen.set(runId, { id: e.id, runId, type: f.type ?? '', ts: Number(f.ts), workspace: f.workspace ?? '', host: f.host ?? '' });
  }
  return [...seen.values()].slice(0, count);
}

/** The index's newest entry id ('0-0' when empty): pass it to nextRunStart to miss no start after it. */
export async function indexTop(client: TeamClient): Promise<string> {
  return (await client.xRevRange(INDEX_STREAM, '+', '-', { COUNT: 1 }))?.[0]?.id ?? '0-0';
}

/** Waits for the next run to start anywhere in the team after the index entry `afterId`. */
export async function nextRunStart(client: TeamClient, signal: AbortSignal, afterId: string): Promise<IndexEntry | undefined> {
  const reader = client.duplicate();
  reader.on('error', () => undefined);
  await reader.connect();
  try {
    let id = afterId;
    while (!signal.aborted) {
      const reply = (await reader.xRead({ key: INDEX_STREAM, id }, { BLOCK: 1_000, COUNT: 10 }).catch(() => null)) as Array<{ messages: Array<{ id: string; message: Record<string, string> }> }> | null;
      for (const stream of reply ?? [])
        for (const m of stream.messages) {
          id = m.id;
          if (m.message.type === 'run.started') return { id: m.id, runId: m.message.runId ?? '', type: 'run.started', ts: Number(m.message.ts), workspace: m.message.workspace ?? '', host: m.message.host ?? '' };
        }
    }
    return undefined;
  } finally {
    await reader.destroy();
  }
}
