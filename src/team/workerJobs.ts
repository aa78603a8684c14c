// What a worker does with one job once it holds it: a model call on its own keys, or a check command
// in its sandbox. Each resolves to the terminal entry of the job's results stream; the worker's loop
// (src/team/worker.ts) writes it and acknowledges the job.
import { TestReportSchema } from '../core/artifacts/schemas';
import { runContainedCheck, type CheckHost } from '../core/orchestrator/checkCommand';
import { systemClock } from '../core/ports/clock';
import { ModelError, type ModelClient, type ProviderId } from '../core/ports/model';
import type { Redactor } from '../core/security/redaction';
import { unpackFolder, type CheckJob } from './checkJobs';
import { deltaEntry, JobError, type ModelJob, type ResultEntry } from './jobsQueue';

/** Runs one model job on this worker's own client, writing each delta; resolves to the terminal entry. */
export async function runModelJob(job: ModelJob, models: (p: ProviderId) => ModelClient | undefined, delivery: string, signal: AbortSignal, write: (e: ResultEntry) => Promise<void>): Promise<ResultEntry> {
  const client = models(job.provider);
  if (!client) return { type: 'error', delivery, kind: 'config', message: `this worker has no key for ${job.provider}: set it in the worker's environment` };
  try {
    for await (const delta of client.stream({ ...job.request, signal })) {
      const entry = deltaEntry(delta, delivery);
      if (entry.type === 'done') return entry;
      await write(entry);
    }
    return { type: 'error', delivery, kind: 'cut_stream', message: `${job.provider} stream ended without a result`, details: { unsettled: { attempts: 1, reportedCostUsd: 0 } } };
  } catch (err) {
    if (err instanceof ModelError) {
      const d = err.details;
      return { type: 'error', delivery, kind: err.kind, message: err.message, details: { ...(d.usage ? { usage: d.usage } : {}), ...(d.costUsd !== undefined ? { costUsd: d.costUsd } : {}), ...(d.attempts !== undefined ? { attempts: d.attempts } : {}), ...(d.status !== undefined ? { status: d.status } : {}), ...(d.unsettled ? { unsettled: d.unsettled } : {}) } };
    }
    return { type: 'error', delivery, kind: 'server', message: (err as Error).message };
  }
}

/** What a worker started with --allow-check gives its checks: the host (environment allowlist), dependencies, a redactor. */
export interface CheckSetup {
  readonly host: CheckHost;
  /** A node_modules folder mounted read-only into each check (worker --check-deps DIR). */
  readonly dependencies: string | undefined;
  readonly redactor: Redactor;
}

/**
 * Runs a check job the way a local check runs (src/core/orchestrator/checkCommand.ts: scratch folder,
 * allowlisted environment, bubblewrap when present, the process tree killed at the end), on the
 * archive's files instead of a copy of a workspace. The report is validated before it leaves.
 */
export async function runCheckJob(job: CheckJob, setup: CheckSetup, delivery: string, signal: AbortSignal): Promise<ResultEntry> {
  try {
    const packed = Buffer.from(job.archive, 'base64');
    const report = await runContainedCheck({ prepare: (dir) => unpackFolder(packed, dir), dependencies: setup.dependencies }, job.command, job.timeoutMs, systemClock, signal, setup.host);
    return { type: 'report', delivery, report: TestReportSchema.parse({ ...report, output: setup.redactor.text(report.output) }) };
  } catch (err) {
    return { type: 'error', delivery, kind: err instanceof JobError ? 'bad_request' : 'server', message: `the check could not run: ${(err as Error).message.split('\n')[0]}` };
  }
}
