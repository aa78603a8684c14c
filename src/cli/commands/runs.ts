// codecompanion runs | events RUN_ID | replay RUN_ID: reading the event log (read-only if another
// process holds the database).
import { usd } from '../../core/cost/costGovernor';
import { parseEvent } from '../../core/events';
import { projectRun } from '../../core/orchestrator/runState';
import { openStore } from '../../app/engine';
import { resolveWorkspace } from '../engine';
import { parseCommandLine, UsageError, type CliCommand, type CliIo } from '../io';
import { describeEvent } from '../../app/eventText';
import { summary } from '../progress';

const OPTIONS = { cwd: { type: 'string' }, json: { type: 'boolean' } } as const;

async function withStore<T>(io: CliIo, dir: string | undefined, fn: (store: Awaited<ReturnType<typeof openStore>>['store']) => Promise<T>): Promise<T> {
  const opened = await openStore(resolveWorkspace(io.cwd, dir), 'auto', 'codecompanion read');
  try {
    return await fn(opened.store);
  } finally {
    await opened.close();
  }
}

async function readRun(store: Awaited<ReturnType<typeof openStore>>['store'], runId: string) {
  const events = (await store.readRun(runId)).map(parseEvent);
  if (events.length === 0) throw new Error(`there is no run ${runId} in this workspace ('codecompanion runs' lists them)`);
  return events;
}

export const runsCommand: CliCommand = {
  name: 'runs',
  usage: 'runs [--cwd DIR] [--json]',
  summary: 'list the runs in this workspace',
  async run(io) {
    const { values } = parseCommandLine(io.argv, OPTIONS);
    return withStore(io, values.cwd, async (store) => {
      const runs = await store.listRuns();
      const rows = [];
      for (const r of runs) {
        const state = projectRun(r.runId, (await store.readRun(r.runId)).map(parseEvent));
        rows.push({ runId: r.runId, status: state.status, objective: state.objective, createdAt: new Date(r.createdAt).toISOString(), events: r.eventCount, costUsd: state.cost.spentUsd });
      }
      if (values.json) io.stdout.write(`${JSON.stringify(rows)}\n`);
      else if (rows.length === 0) io.stdout.write('no runs yet\n');
      else for (const r of rows) io.stdout.write(`${r.runId}  ${r.status.padEnd(9)}  ${usd(r.costUsd).padStart(7)}  ${r.events} events  ${r.objective}\n`);
      return 0;
    });
  },
};

export const eventsCommand: CliCommand = {
  name: 'events',
  usage: 'events RUN_ID [--cwd DIR] [--json]',
  summary: "print a run's events",
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    if (!positionals[0]) throw new UsageError('give the run id');
    return withStore(io, values.cwd, async (store) => {
      for (const e of await readRun(store, positionals[0]!)) {
        if (values.json) io.stdout.write(`${JSON.stringify({ runId: e.runId, seq: e.seq, ts: e.ts, type: e.type, data: e.data })}\n`);
        else io.stdout.write(`${String(e.seq).padStart(5)}  ${new Date(e.ts).toISOString()}  ${e.type.padEnd(20)} ${(describeEvent(e) ?? '').split('\n')[0]}\n`);
      }
      return 0;
    });
  },
};

export const replayCommand: CliCommand = {
  name: 'replay',
  usage: 'replay RUN_ID [--cwd DIR] [--json]',
  summary: "rebuild a run's state from its events and print it",
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    if (!positionals[0]) throw new UsageError('give the run id');
    return withStore(io, values.cwd, async (store) => {
      const state = projectRun(positionals[0]!, await readRun(store, positionals[0]!));
      io.stdout.write(values.json ? `${JSON.stringify(state, null, 2)}\n` : summary(state));
      return 0;
    });
  },
};
