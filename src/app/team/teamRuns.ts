// The team's runs as a host shows them (the editor's "Follow Team Runs"): the newest runs announced on
// the team's Redis by any machine, kept current by a blocking read of the index stream, each with its
// objective and its latest event line. Read-only: a follower never writes to another machine's run.
// What it holds is bounded (the newest RUN_LIMIT runs), whatever the team's history.
import { describeEvent } from '../eventText';
import { parseEvent } from '../../core/events';
import { terminalSafe } from '../../core/security/terminalText';
import type { TeamClient } from '../../team/redisConnection';
import { followRun, indexTop, recentRuns } from '../../team/runFollower';
import { fromEntry, INDEX_STREAM, runStreamKey, type TeamEvent } from '../../team/teamStreams';

export const RUN_LIMIT = 20;

export type TeamRunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

export interface TeamRunView {
  readonly runId: string;
  readonly host: string;
  readonly workspace: string;
  readonly objective: string;
  readonly status: TeamRunStatus;
  readonly updatedAt: number;
}

export type TeamBusState = { readonly state: 'ok' } | { readonly state: 'degraded'; readonly reason: string };

const STATUS: Record<string, TeamRunStatus> = { 'run.completed': 'completed', 'run.failed': 'failed', 'run.cancelled': 'cancelled' };

/** A team event as one line of plain text (control characters gone), or undefined for stream deltas. */
export function teamEventLine(e: TeamEvent): string | undefined {
  if (e.type === 'agent.call.streamed') return undefined;
  let line: string | undefined;
  try {
    line = describeEvent(parseEvent({ ...e, globalSeq: 0 }));
  } catch {
    line = `${e.type} (from a newer CodeCompanion)`;
  }
  return line === undefined ? undefined : terminalSafe(line);
}

export class TeamRuns {
  private readonly runs = new Map<string, TeamRunView>();
  private readonly stop = new AbortController();
  private watching: Promise<void> | undefined;
  private current: TeamBusState = { state: 'ok' };

  constructor(
    private readonly client: TeamClient,
    private readonly onChange: () => void,
  ) {}

  get status(): TeamBusState {
    return this.current;
  }

  /** Newest first. */
  list(): TeamRunView[] {
    return [...this.runs.values()].sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** Loads the newest runs, then follows the index for starts and ends until closed. */
  async start(): Promise<void> {
    if (this.watching) return;
    const top = await indexTop(this.client);
    for (const entry of (await recentRuns(this.client, RUN_LIMIT)).reverse()) await this.note(entry.runId, entry.type, entry.ts, entry.host, entry.workspace);
    this.onChange();
    this.watching = this.watch(top);
  }

  /** A run's events from the start, as they come, until its terminal event or `signal`. */
  follow(runId: string, signal: AbortSignal): AsyncGenerator<TeamEvent> {
    return followRun(this.client, runId, { signal, onStatus: (s, why) => this.setStatus(s === 'ok' ? { state: 'ok' } : { state: 'degraded', reason: why ?? 'Redis did not answer' }) });
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.watching?.catch(() => undefined);
  }

  private async watch(from: string): Promise<void> {
    const reader = this.client.duplicate();
    reader.on('error', () => undefined);
    await reader.connect();
    let id = from;
    try {
      while (!this.stop.signal.aborted) {
        let reply;
        try {
          reply = (await reader.xRead({ key: INDEX_STREAM, id }, { BLOCK: 1_000, COUNT: 50 })) as Array<{ messages: Array<{ id: string; message: Record<string, string> }> }> | null;
          this.setStatus({ state: 'ok' });
        } catch (err) {
          this.setStatus({ state: 'degraded', reason: (err as Error).message.split('\n')[0] ?? 'Redis did not answer' });
          await new Promise((r) => setTimeout(r, 250));
          continue;
        }
        let changed = false;
        for (const stream of reply ?? [])
          for (const m of stream.messages) {
            id = m.id;
            await this.note(m.message.runId ?? '', m.message.type ?? '', Number(m.message.ts), m.message.host ?? '', m.message.workspace ?? '');
            changed = true;
          }
        if (changed) this.onChange();
      }
    } finally {
      await reader.destroy();
    }
  }

  private async note(runId: string, type: string, ts: number, host: string, workspace: string): Promise<void> {
    if (!runId) return;
    const known = this.runs.get(runId);
    const status = STATUS[type] ?? (type === 'run.started' ? 'running' : known?.status ?? 'running');
    const objective = known?.objective ?? (await this.objectiveOf(runId));
    this.runs.set(runId, { runId, host, workspace, objective, status, updatedAt: Number.isFinite(ts) ? ts : Date.now() });
    // bounded: the oldest runs leave the list
    while (this.runs.size > RUN_LIMIT) {
      const oldest = this.list().at(-1);
      if (!oldest) break;
      this.runs.delete(oldest.runId);
    }
  }

  /** The run's first event (run.started) holds its objective; an expired stream has none. */
  private async objectiveOf(runId: string): Promise<string> {
    try {
      const first = (await this.client.xRange(runStreamKey(runId), '-', '+', { COUNT: 1 }))?.[0];
      if (!first) return '(expired from the team bus)';
      const e = fromEntry(first.id, first.message as Record<string, string>);
      const objective = e.type === 'run.started' ? (e.data as { objective?: unknown }).objective : undefined;
      return typeof objective === 'string' ? terminalSafe(objective).slice(0, 300) : '(no objective)';
    } catch {
      return '(unknown)';
    }
  }

  private setStatus(s: TeamBusState): void {
    if (s.state === this.current.state) return;
    this.current = s;
    this.onChange();
  }
}

