// codecompanion stats [--since 7d] [--json]: per model and role over the window (src/app/modelStats.ts,
// the same projection as the editor's Models table). Reads the database read-only.
import { allEvents, eventsOfRunsSince } from '../../app/engine';
import { openStore } from '../../app/openStore';
import { modelStats, parseSince, type ModelRoleStats } from '../../app/modelStats';
import { usd } from '../../core/cost/costGovernor';
import { parseCommandLine, UsageError, type CliCommand, resolveWorkspace } from '../io';

const OPTIONS = { cwd: { type: 'string' }, since: { type: 'string' }, json: { type: 'boolean' } } as const;

export const statsCommand: CliCommand = {
  name: 'stats',
  usage: 'stats [--since 7d|DATE] [--cwd DIR] [--json]',
  summary: 'per model and role: calls, failures by kind, p50/p95 latency, cost, review score, router share',
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    if (positionals.length) throw new UsageError(`stats takes no arguments, got '${positionals[0]}'`);
    const root = resolveWorkspace(io.cwd, values.cwd);
    let sinceTs = 0;
    try {
      sinceTs = values.since ? parseSince(values.since, Date.now()) : 0;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const opened = await openStore(root, 'read-only', 'codecompanion stats');
    try {
      // a window reads the runs changed in it; no window is about the whole history
      const rows = modelStats(sinceTs ? await eventsOfRunsSince(opened.store, sinceTs) : await allEvents(opened.store), sinceTs);
      if (values.json) io.stdout.write(JSON.stringify({ since: sinceTs ? new Date(sinceTs).toISOString() : null, rows }, null, 2) + '\n');
      else io.stdout.write(render(rows, values.since));
      return 0;
    } finally {
      await opened.close();
    }
  },
};

function render(rows: readonly ModelRoleStats[], since: string | undefined): string {
  if (rows.length === 0) return `no model calls${since ? ` since ${since}` : ''} in this workspace\n`;
  const head = ['model', 'role', 'calls', 'failed', 'p50 s', 'p95 s', 'cost', 'review', 'hunks kept', 'router'];
  const s = (ms: number | null) => (ms === null ? '—' : (ms / 1000).toFixed(2));
  const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);
  const body = rows.map((r) => [
    `${r.provider}/${r.model}`,
    r.role,
    String(r.calls),
    r.failed ? `${r.failed} (${Object.entries(r.failures).map(([k, n]) => `${k} ${n}`).join(', ')})` : '0',
    s(r.p50Ms),
    s(r.p95Ms),
    `${usd(r.costUsd)}${r.unpricedCalls ? ` +${r.unpricedCalls} unpriced` : ''}`,
    r.reviewScore === null ? '—' : `${r.reviewScore.toFixed(2)} (${r.reviews})`,
    pct(r.hunkAcceptance),
    pct(r.routerShare),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n') + '\n';
}
