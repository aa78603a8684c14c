// A host's way into team mode: from a URL (flag, CODECOMPANION_REDIS_URL or the editor's setting) to a
// publisher for the runs it writes, with its status told as it changes.
import * as os from 'node:os';
import * as path from 'node:path';
import type { EventStore } from '../core/ports/eventStore';
import { connectTeam, type TeamClient } from './redisConnection';
import { TeamPublisher, type BusStatus } from './teamPublisher';
import { DEFAULT_TRIM, parseRetention, type TrimPolicy } from './teamStreams';

/** How many of the newest local runs are checked against Redis when a publisher starts. */
const RECENT_RUNS_CHECKED = 20;

export interface TeamBus {
  readonly client: TeamClient;
  readonly publisher: TeamPublisher;
  close(): Promise<void>;
}

export function trimPolicyFromEnv(env: NodeJS.ProcessEnv): TrimPolicy {
  return {
    indexMaxLen: env.CODECOMPANION_REDIS_INDEX_MAXLEN ? Number(env.CODECOMPANION_REDIS_INDEX_MAXLEN) : DEFAULT_TRIM.indexMaxLen,
    runRetentionS: env.CODECOMPANION_REDIS_RETENTION ? parseRetention(env.CODECOMPANION_REDIS_RETENTION) : DEFAULT_TRIM.runRetentionS,
  };
}

export async function openTeamBus(url: string, store: Pick<EventStore, 'readRun' | 'listRuns'>, root: string, trim: TrimPolicy, onStatus: (status: BusStatus) => void): Promise<TeamBus> {
  const client = await connectTeam(url);
  const publisher = new TeamPublisher(client, store, { workspace: path.basename(root), host: os.hostname() }, trim, onStatus);
  // the latest runs may have events an earlier publisher could not send (Redis was away when it ended)
  publisher.catchUp((await store.listRuns()).slice(0, RECENT_RUNS_CHECKED).map((r) => r.runId));
  return {
    client,
    publisher,
    async close() {
      await publisher.close(15_000);
      await client.destroy();
    },
  };
}
