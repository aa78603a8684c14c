// Reads the event log wherever its events live: the events table of the in-memory database (runs
// still going, and anything appended to a run after it was archived) and the run archives
// (runArchive.ts). A run's events cost that run; the whole log, in the order events became durable,
// is a merge that holds only the archives overlapping the position being read.
import type { StoredEvent } from '../core/ports/eventStore';
import type { ReadSql } from './projection';
import { ARCHIVE_COLUMNS, readArchive, type ArchiveRow } from './runArchive';

interface EventRow {
  run_id: string;
  seq: number;
  global_seq: number;
  type: string;
  ts: number;
  data: string;
}

const PAGE = 5_000;

export function toStored(r: EventRow): StoredEvent {
  return { runId: r.run_id, seq: r.seq, globalSeq: r.global_seq, type: r.type, ts: r.ts, data: JSON.parse(r.data) };
}

export class EventReader {
  /** `archiveDir` undefined: a database with no files (in memory), whose events are all in its table. */
  constructor(
    private readonly read: ReadSql,
    readonly archiveDir: string | undefined,
  ) {}

  archiveOf(runId: string): ArchiveRow | undefined {
    if (!this.archiveDir) return undefined;
    return this.read<ArchiveRow>(`SELECT ${ARCHIVE_COLUMNS} FROM run_archives WHERE run_id = ?`, [runId])[0];
  }

  /** The run's events with seq >= fromSeq, in seq order; at most `limit` of them. */
  runEvents(runId: string, fromSeq = 1, limit = Infinity): StoredEvent[] {
    const row = this.archiveOf(runId);
    const archived = row && row.last_seq >= fromSeq ? readArchive(this.archiveDir!, row, fromSeq).slice(0, limit) : [];
    const left = limit - archived.length;
    if (left <= 0) return archived;
    // SQLite's LIMIT -1: no limit
    const hot = this.read<EventRow>('SELECT run_id, seq, global_seq, type, ts, data FROM events WHERE run_id = ? AND seq >= ? ORDER BY seq LIMIT ?', [runId, fromSeq, Number.isFinite(left) ? left : -1]).map(toStored);
    return archived.length ? [...archived, ...hot] : hot;
  }

  /** The highest global seq ever assigned (archived events included). */
  lastGlobalSeq(): number {
    const hot = Number(this.read<{ g: number | null }>('SELECT max(global_seq) AS g FROM events')[0]?.g ?? 0);
    const archived = this.archiveDir ? Number(this.read<{ g: number | null }>('SELECT max(last_global) AS g FROM run_archives')[0]?.g ?? 0) : 0;
    return Math.max(hot, archived);
  }

  /** Every event with globalSeq >= from, in globalSeq order. */
  *inGlobalOrder(from = 1): Generator<StoredEvent> {
    const pending = this.archiveDir ? this.read<ArchiveRow>(`SELECT ${ARCHIVE_COLUMNS} FROM run_archives WHERE last_global >= ? ORDER BY first_global`, [from]) : [];
    const open: { events: StoredEvent[]; at: number }[] = [];
    let hot: StoredEvent[] = [];
    let hotAt = 0;
    let hotFrom = from;
    let hotDone = false;
    const hotNext = (): StoredEvent | undefined => {
      if (hotAt >= hot.length && !hotDone) {
        hot = this.read<EventRow>('SELECT run_id, seq, global_seq, type, ts, data FROM events WHERE global_seq >= ? ORDER BY global_seq LIMIT ?', [hotFrom, PAGE]).map(toStored);
        hotAt = 0;
        hotDone = hot.length < PAGE;
        if (hot.length) hotFrom = hot[hot.length - 1]!.globalSeq + 1;
      }
      return hot[hotAt];
    };
    for (;;) {
      let best: StoredEvent | undefined = hotNext();
      let bestSource = -1;
      for (let i = 0; i < open.length; i++) {
        const e = open[i]!.events[open[i]!.at];
        if (e && (!best || e.globalSeq < best.globalSeq)) {
          best = e;
          bestSource = i;
        }
      }
      // an archive starting before the best candidate may hold an earlier event: open it first
      if (pending.length && (!best || pending[0]!.first_global <= best.globalSeq)) {
        const row = pending.shift()!;
        open.push({ events: readArchive(this.archiveDir!, row).filter((e) => e.globalSeq >= from).sort((a, b) => a.globalSeq - b.globalSeq), at: 0 });
        continue;
      }
      if (!best) return;
      if (bestSource === -1) hotAt++;
      else {
        const source = open[bestSource]!;
        source.at++;
        if (source.at >= source.events.length) open.splice(bestSource, 1);
      }
      yield best;
    }
  }

  /** Up to `limit` events from `from` on, in globalSeq order. */
  page(from: number, limit: number): StoredEvent[] {
    const out: StoredEvent[] = [];
    if (limit <= 0) return out;
    for (const e of this.inGlobalOrder(from)) {
      out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }
}

