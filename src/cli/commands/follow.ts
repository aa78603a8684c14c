// codecompanion follow [RUN_ID] --redis URL: a run's events as they happen, from any machine of the
// team (the run's own machine publishes them; see src/team). Without RUN_ID: the run going on now, or
// the next one to start.
import { describeEvent } from '../../app/eventText';
import { parseEvent } from '../../core/events';
import { REDIS_URL_ENV } from '../../team/redisConnection';
import { followRun, indexTop, nextRunStart, recentRuns } from '../../team/runFollower';
import { runStreamKey, TERMINAL_TYPES } from '../../team/teamStreams';
import { connectTeamOrExplain } from '../team';
import { parseCommandLine, UsageError, type CliCommand } from '../io';

const OPTIONS = { redis: { type: 'string' }, json: { type: 'boolean' }, after: { type: 'string' } } as const;

export const followCommand: CliCommand = {
  name: 'follow',
  usage: 'follow [RUN_ID] [--redis URL] [--after SEQ] [--json]',
  summary: "print a team run's events live from Redis (the run's machine publishes them with --redis)",
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    const url = values.redis ?? io.env[REDIS_URL_ENV];
    if (!url) throw new UsageError(`give the team's Redis with --redis URL or ${REDIS_URL_ENV}`);
    const after = values.after === undefined ? 0 : Number(values.after);
    if (!Number.isInteger(after) || after < 0) throw new UsageError('--after takes the sequence number of the last event seen');
    const client = await connectTeamOrExplain(url);
    try {
      let runId = positionals[0];
      if (!runId) {
        const latest = (await recentRuns(client, 1))[0];
        if (latest && !TERMINAL_TYPES.has(latest.type)) runId = latest.runId;
        else {
          io.stderr.write('no team run is going: waiting for the next one to start (Ctrl+C to stop)\n');
          runId = (await nextRunStart(client, io.signal, latest?.id ?? (await indexTop(client))))?.runId;
        }
        if (!runId) return 130;
        io.stderr.write(`following ${runId}\n`);
      }
      if ((await client.exists(runStreamKey(runId))) === 0) io.stderr.write(`run ${runId} has no events in the team's Redis yet: waiting (is it published with run --redis? older runs expire after the retention)\n`);
      for await (const e of followRun(client, runId, { afterSeq: after, signal: io.signal, onStatus: (s, why) => io.stderr.write(s === 'ok' ? 'team bus: back\n' : `team bus degraded (${why}): retrying\n`) })) {
        if (values.json) io.stdout.write(`${JSON.stringify(e)}\n`);
        else {
          let line: string | undefined;
          try {
            line = e.type === 'agent.call.streamed' ? undefined : describeEvent(parseEvent({ ...e, globalSeq: 0 }));
          } catch {
            line = `${e.type} (from a newer CodeCompanion)`;
          }
          if (line) io.stdout.write(`${line}\n`);
        }
      }
      return io.signal.aborted ? 130 : 0;
    } finally {
      await client.destroy();
    }
  },
};
