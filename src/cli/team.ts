// The CLI's way onto the team's Redis: a bad URL, wrong credentials or no server are usage errors (exit 2).
import { connectTeam, TeamBusError, type TeamClient } from '../team/redisConnection';
import { UsageError } from './io';

export async function connectTeamOrExplain(url: string): Promise<TeamClient> {
  try {
    return await connectTeam(url);
  } catch (err) {
    if (err instanceof TeamBusError) throw new UsageError(err.message);
    throw err;
  }
}
