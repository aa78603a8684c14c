// codecompanion runs | events RUN_ID | replay RUN_ID: reading the event log (read-only if another
// process holds the database).
import { usd } from '../../core/cost/costGovernor';
import { parseEvent } from '../../core/events';
import { projectRun } from '../../core/orchestrator/runState';
import { openStore } from '../../app/openStore';
import { parseCommandLine, UsageError, type CliCommand, type CliIo, resolveWorkspace } from '../io';
import { describeEvent } from '../../app/eventText';
import { summary } from '../progress';

interface RunRow {
  readonly runId: string;
  readonly status: string;
  readonly objective: string;
  readonly createdAt: string;
  readonly events: number;
  readonly costUsd: number | null;
  /** Why the run could not be read: its first event that does not match the schema. */
  readonly damage?: string;
}

/** Objectives and damage reports are text from outside this program: no control characters reach the terminal. */
function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

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
      // the run_summaries projection: a row per run, no event read (a bad event was noted when written)
      const rows: RunRow[] = store.runSummaries().map((r) => {
        const common = { runId: r.run_id, createdAt: new Date(r.created_at).toISOString(), events: r.event_count };
        return r.damage
          ? { ...common, status: 'damaged', objective: '', costUsd: null, damage: r.damage }
          : { ...common, status: r.status, objective: r.objective, costUsd: r.cost_usd };
      });
      if (values.json) io.stdout.write(`${JSON.stringify(rows)}\n`);
      else if (rows.length === 0) io.stdout.write('no runs yet\n');
      else
        for (const r of rows)
          io.stdout.write(`${r.runId}  ${r.status.padEnd(9)}  ${(r.costUsd === null ? '?' : usd(r.costUsd)).padStart(7)}  ${r.events} events  ${terminalSafe(r.damage ?? r.objective)}\n`);
      const damaged = rows.filter((r) => r.damage).length;
      if (damaged) io.stderr.write(`codecompanion runs: ${damaged} run(s) could not be read (marked damaged); the others are listed\n`);
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
