// Where a team's runs live in Redis. Each run is one stream whose entry ids are the events' sequence
// numbers (`SEQ-0`), so publishing again after a failure can never duplicate an event, and a
// subscriber resumes from the last id it saw. A workspace-wide index stream announces run starts and
// ends. Trimming: the index keeps about `indexMaxLen` entries (MAXLEN ~); a run's stream is kept whole
// while the run goes (trimming it would cut its head for late subscribers) and expires `runRetentionS`
// after the run ends.
import type { RecordedEvent } from '../core/events';

export const STREAM_PREFIX = 'codecompanion';

export interface TrimPolicy {
  readonly indexMaxLen: number;
  readonly runRetentionS: number;
}

export const DEFAULT_TRIM: TrimPolicy = { indexMaxLen: 10_000, runRetentionS: 7 * 24 * 3600 };

export const runStreamKey = (runId: string) => `${STREAM_PREFIX}:run:${runId}`;
export const INDEX_STREAM = `${STREAM_PREFIX}:runs`;

export const TERMINAL_TYPES: ReadonlySet<string> = new Set(['run.completed', 'run.failed', 'run.cancelled']);

/** Entry id of an event: its sequence number. */
export const entryId = (seq: number) => `${seq}-0`;
export const seqOf = (id: string) => Number(id.split('-')[0]);

export function toEntry(e: RecordedEvent): Record<string, string> {
  return { runId: e.runId, type: e.type, ts: String(e.ts), data: JSON.stringify(e.data) };
}

export interface TeamEvent {
  readonly runId: string;
  readonly seq: number;
  readonly type: string;
  readonly ts: number;
  readonly data: unknown;
}

export function fromEntry(id: string, fields: Record<string, string>): TeamEvent {
  return { runId: fields.runId ?? '', seq: seqOf(id), type: fields.type ?? '', ts: Number(fields.ts), data: JSON.parse(fields.data ?? 'null') as unknown };
}

/** "7d", "12h", "30m" or seconds. */
export function parseRetention(text: string): number {
  const m = /^(\d+)([dhms]?)$/.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a duration: use e.g. 7d, 12h, 30m`);
  const n = Number(m[1]);
  return m[2] === 'd' ? n * 86_400 : m[2] === 'h' ? n * 3_600 : m[2] === 'm' ? n * 60 : n;
}
