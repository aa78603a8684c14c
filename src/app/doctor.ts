// The startup report (`codecompanion doctor`, the editor's Show Diagnostics): versions, each
// provider (configured or not, where its key comes from, never the key, its base URL reachable
// within a bounded time), the workspace database, the memory index, the check command, the
// controls and telemetry. Each finding is one line a user can act on; the hosts only gather their
// own configuration (environment, or settings and SecretStorage) and print the result.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { liveLockOwner } from '../storage/lock';
import { databaseBytes, databaseDir, databaseExists, DatabaseFileError, listJournals, LOCK_FILE, memoryDirOf, SNAPSHOT_FILE } from '../storage/layout';
import { readMemoryDatabase } from '../storage/memoryDatabase';
import { openWorkspaceDatabase } from '../storage/workspaceDatabase';
import { DEFAULT_MODELS, SDK_PROVIDERS, type ProviderConfig, type SdkProvider } from '../providers/config';
import { describeLimits, type RateLimits } from './providerLimits';
import { codecompanionVersion } from './version';
import { containment, describeContainment, type Containment } from '../core/sandbox/containment';

export type FindingStatus = 'ok' | 'warn' | 'error' | 'off';

export interface Finding {
  readonly area: 'versions' | 'provider' | 'database' | 'memory' | 'check' | 'controls' | 'telemetry';
  readonly name: string;
  readonly status: FindingStatus;
  readonly line: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface DiagnosticsReport {
  readonly versions: Readonly<Record<string, string>>;
  readonly findings: readonly Finding[];
}

export interface DoctorInput {
  readonly root: string;
  readonly host: { readonly name: 'cli' | 'vscode'; readonly version?: string };
  readonly config: ProviderConfig;
  /** Where each configured provider's key came from: a variable's name or "SecretStorage"; never the key. */
  readonly keySources: Partial<Record<SdkProvider, string>>;
  readonly checkCommand: { readonly command: string | null; readonly why: string };
  readonly rateLimits: RateLimits;
  /** describeTelemetry's line, and whether export is on (or the configuration error). */
  readonly telemetry: { readonly on: boolean; readonly line: string; readonly error?: boolean };
  /** Each base URL gets this long to answer (any HTTP answer counts). */
  readonly reachTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** False: the database and index from file sizes and the lock only, never loading them (the editor's startup line). */
  readonly deep?: boolean;
  /** The environment the check command would run from (its containment and CODECOMPANION_SANDBOX); default this process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Where each vendor is reached when no base URL is set. */
export const DEFAULT_BASE_URLS: Record<Exclude<SdkProvider, 'openai-compatible'>, string> = {
  anthropic: 'https://api.anthropic.com',
  openai: 'https://api.openai.com/v1',
  gemini: 'https://generativelanguage.googleapis.com',
};

export async function diagnose(input: DoctorInput): Promise<DiagnosticsReport> {
  const versions: Record<string, string> = { codecompanion: codecompanionVersion(), node: process.versions.node, platform: `${process.platform}-${process.arch}` };
  if (input.host.version) versions[input.host.name === 'vscode' ? 'vscode' : input.host.name] = input.host.version;
  const deep = input.deep ?? true;
  const [providers, database, memory] = await Promise.all([
    providerFindings(input),
    databaseFinding(input.root, deep),
    deep ? memoryFinding(input.root) : Promise.resolve<Finding>({ area: 'memory', name: 'memory index', status: 'off', line: 'not loaded for the short report (CodeCompanion: Show Diagnostics has it)' }),
  ]);
  const fallback = input.config.fallback;
  const findings: Finding[] = [
    ...providers,
    database,
    memory,
    { area: 'check', name: 'check command', status: input.checkCommand.command ? 'ok' : 'off', line: input.checkCommand.command ? `\`${input.checkCommand.command}\` (${input.checkCommand.why})` : `none: ${input.checkCommand.why}` },
    containmentFinding(containment(input.env ?? process.env)),
    {
      area: 'controls',
      name: 'limits and fallback',
      status: 'ok',
      line: `rate limits: ${describeLimits(input.rateLimits)}; fallback: ${fallback ? `${fallback.provider}${fallback.model ? `:${fallback.model}` : ''}` : 'none'}`,
      details: { rateLimits: input.rateLimits, fallback: fallback ?? null },
    },
    { area: 'telemetry', name: 'telemetry export', status: input.telemetry.error ? 'error' : input.telemetry.on ? 'ok' : 'off', line: input.telemetry.line },
  ];
  return { versions, findings };
}

/** 0: nothing wrong (warnings and things switched off included); 1: at least one error. */
export function doctorExitCode(report: DiagnosticsReport): number {
  return report.findings.some((f) => f.status === 'error') ? 1 : 0;
}

export function renderReport(report: DiagnosticsReport): string {
  const mark: Record<FindingStatus, string> = { ok: 'ok  ', warn: 'WARN', error: 'FAIL', off: 'off ' };
  const versions = Object.entries(report.versions).map(([k, v]) => `${k} ${v}`).join(', ');
  return [`CodeCompanion diagnostics: ${versions}`, ...report.findings.map((f) => `${mark[f.status]} ${f.name}: ${f.line}`)].join('\n') + '\n';
}

/** The editor's log line after activation: the problems, or that there are none. */
export function shortReport(report: DiagnosticsReport): string {
  const bad = report.findings.filter((f) => f.status === 'error' || f.status === 'warn');
  const configured = report.findings.filter((f) => f.area === 'provider' && f.status === 'ok').map((f) => f.name);
  const head = `diagnostics: ${configured.length ? `providers ${configured.join(', ')}` : 'no provider ready'}; ${report.findings.find((f) => f.area === 'telemetry')?.status === 'ok' ? 'telemetry export on' : 'telemetry export off'}`;
  return bad.length ? `${head}; ${bad.map((f) => `${f.name}: ${f.line}`).join('; ')}` : `${head}; no problems found`;
}

async function providerFindings(input: DoctorInput): Promise<Finding[]> {
  const configured = SDK_PROVIDERS.filter((p) => input.config.providers[p]);
  const findings = await Promise.all(
    SDK_PROVIDERS.map(async (p): Promise<Finding> => {
      const s = input.config.providers[p];
      if (!s) return { area: 'provider', name: p, status: 'off', line: 'not configured' };
      const model = s.model ?? DEFAULT_MODELS[p];
      const url = s.baseUrl ?? (p === 'openai-compatible' ? undefined : DEFAULT_BASE_URLS[p]);
      const key = input.keySources[p] ? `key from ${input.keySources[p]}` : p === 'openai-compatible' ? 'no key' : 'no key';
      if (!url) return { area: 'provider', name: p, status: 'error', line: `${model}: no base URL set` };
      const reach = await reachable(url, input.reachTimeoutMs ?? 3000, input.signal);
      const details = { model, keyFrom: input.keySources[p] ?? null, baseUrl: url, reachable: reach.ok, latencyMs: reach.ms };
      if (!reach.ok) return { area: 'provider', name: p, status: 'error', line: `${model} (${key}): ${url} is unreachable (${reach.detail}); check the base URL or the network`, details };
      return { area: 'provider', name: p, status: 'ok', line: `${model} (${key}), ${url} reachable in ${reach.ms} ms`, details };
    }),
  );
  if (configured.length === 0)
    findings.unshift({ area: 'provider', name: 'providers', status: 'error', line: 'no model provider is configured: set an API key (ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY; in the editor: CodeCompanion: Set API Key) or OPENAI_COMPATIBLE_BASE_URL' });
  return findings;
}

/** Any HTTP answer (even 401 or 404) means the server is there; only no answer in time is a failure. */
async function reachable(url: string, timeoutMs: number, signal?: AbortSignal): Promise<{ ok: boolean; ms: number; detail: string }> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { method: 'GET', redirect: 'manual', signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    await res.body?.cancel().catch(() => undefined);
    return { ok: true, ms: Math.round(performance.now() - started), detail: `HTTP ${res.status}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = timeout.aborted ? `no answer within ${timeoutMs} ms` : cause?.code ?? cause?.message ?? (err as Error).message;
    return { ok: false, ms: Math.round(performance.now() - started), detail };
  }
}

async function databaseFinding(root: string, deep: boolean): Promise<Finding> {
  const dir = databaseDir(root);
  if (!fs.existsSync(path.join(dir, SNAPSHOT_FILE)) && listJournals(dir).length === 0) return { area: 'database', name: 'database', status: 'off', line: `${dir}: none yet (the first run creates it)` };
  const bytes = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.statSync(path.join(dir, f)).size : 0);
  const journals = listJournals(dir);
  const journalBytes = journals.reduce((n, j) => n + fs.statSync(j.path).size, 0);
  const holder = liveLockOwner(path.join(dir, LOCK_FILE));
  const lock = holder ? `locked by ${holder.purpose} (pid ${holder.pid} on ${holder.host})` : 'not locked';
  if (!deep) {
    const size = bytes(SNAPSHOT_FILE) + journalBytes;
    return { area: 'database', name: 'database', status: 'ok', line: `${dir}: ${kib(size)} (journal ${kib(journalBytes)}), ${lock}`, details: { path: dir, bytes: size, journalBytes, lockHolder: holder ?? null } };
  }
  try {
    const db = await openWorkspaceDatabase(root, { mode: 'read-only', purpose: 'doctor' });
    try {
      const runs = Number(db.all<{ n: number }>('SELECT COUNT(*) AS n FROM runs')[0]?.n ?? 0);
      const events = Number(db.all<{ n: number }>('SELECT (SELECT COUNT(*) FROM events) + (SELECT COALESCE(SUM(events), 0) FROM run_archives) AS n')[0]?.n ?? 0);
      const size = bytes(SNAPSHOT_FILE) + journalBytes;
      const torn = db.recovery.tornBytes ? `; a torn tail of ${db.recovery.tornBytes} bytes was ignored` : '';
      return {
        area: 'database',
        name: 'database',
        status: 'ok',
        line: `${dir}: ${kib(size)} (journal ${kib(journalBytes)} in ${journals.length} file(s)), ${runs} run(s), ${events} event(s), ${lock}${torn}`,
        details: { path: dir, bytes: size, journalBytes, journals: journals.length, runs, events, lockHolder: holder ?? null },
      };
    } finally {
      await db.close();
    }
  } catch (err) {
    const message = (err as Error).message.split('\n')[0]!;
    const hint = err instanceof DatabaseFileError ? '; keep it and start afresh with: codecompanion db move-aside --yes' : '';
    return { area: 'database', name: 'database', status: 'error', line: `${dir}: unusable: ${message}${hint}`, details: { path: dir, lockHolder: holder ?? null } };
  }
}

/** The memory index's own database: chunks, embedders, size, and indexed files changed or gone since. */
async function memoryFinding(root: string): Promise<Finding> {
  const dir = memoryDirOf(databaseDir(root));
  if (!databaseExists(dir)) return { area: 'memory', name: 'memory index', status: 'off', line: 'not built (CodeCompanion: Index Workspace, or codecompanion index)' };
  const size = databaseBytes(dir);
  try {
    const db = await readMemoryDatabase(databaseDir(root), 'doctor');
    try {
      const chunks = Number(db.all<{ n: number }>('SELECT COUNT(*) AS n FROM memory_chunks')[0]?.n ?? 0);
      const files = db.all<{ path: string; indexed_at: number }>('SELECT path, indexed_at FROM memory_files');
      const embedders = db.all<{ embedder: string; n: number }>('SELECT embedder, COUNT(*) AS n FROM memory_vectors GROUP BY embedder ORDER BY n DESC').map((r) => r.embedder);
      if (files.length === 0) return { area: 'memory', name: 'memory index', status: 'off', line: `not built (${chunks} chunk(s) from runs, ${kib(size)} in ${dir}); CodeCompanion: Index Workspace, or codecompanion index` };
      let stale = 0;
      for (const f of files) {
        try {
          if (fs.statSync(path.join(root, f.path)).mtimeMs > f.indexed_at) stale++;
        } catch {
          stale++;
        }
      }
      const embedder = embedders.length ? `embedder ${embedders.join(', ')}` : 'keywords only (no embedder)';
      return {
        area: 'memory',
        name: 'memory index',
        status: stale ? 'warn' : 'ok',
        line: `${chunks} chunk(s) over ${files.length} file(s), ${kib(size)} in ${dir}, ${embedder}${stale ? `; ${stale} file(s) changed since indexed: re-index` : ', up to date'}`,
        details: { path: dir, bytes: size, chunks, files: files.length, embedders, staleFiles: stale },
      };
    } finally {
      await db.close();
    }
  } catch (err) {
    const hint = err instanceof DatabaseFileError ? `; keep it and start afresh with: ${err.moveAside} (the event log is not touched)` : '';
    return { area: 'memory', name: 'memory index', status: 'error', line: `${dir}: unusable: ${(err as Error).message.split('\n')[0]}${hint}`, details: { path: dir, bytes: size } };
  }
}

function kib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** How contained model-written code runs here: bubblewrap is ok; without it, a warning saying why. */
function containmentFinding(c: Containment): Finding {
  return { area: 'check', name: 'check containment', status: c.level === 'bubblewrap' ? 'ok' : 'warn', line: describeContainment(c), details: { level: c.level, ...(c.why ? { why: c.why } : {}) } };
}
