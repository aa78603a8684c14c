// "CodeCompanion: Follow Team Runs": from the palette, a pick of the team's newest runs; from a caller
// (a test, another extension), `{ runId }` follows that run at once. Either way the dashboard lists the
// team's runs from then on.
import type { TeamLink, TeamState } from './teamLink';

export async function followTeamRunsCommand(team: TeamLink, arg: unknown): Promise<TeamState> {
  const runId = typeof arg === 'object' && arg !== null && typeof (arg as { runId?: unknown }).runId === 'string' ? (arg as { runId: string }).runId : undefined;
  if (runId !== undefined && !/^[\w.:-]{1,200}$/.test(runId)) throw new Error(`'${runId.slice(0, 80)}' is not a run id`);
  return team.follow(runId);
}
