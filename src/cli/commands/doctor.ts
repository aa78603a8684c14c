// codecompanion doctor [--json]: the startup report (src/app/doctor.ts) from the CLI's point of
// view: providers and keys from the environment, the check command from --check. Exit codes: 0
// nothing wrong (things switched off included), 1 a problem found (each a FAIL line), 2 usage.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diagnose, doctorExitCode, renderReport } from '../../app/doctor';
import { parseRateLimits } from '../../app/providerLimits';
import { ENV_KEYS, loadProviderConfigFromEnv, SDK_PROVIDERS, type SdkProvider } from '../../providers/config';
import { describeTelemetry, telemetryConfig } from '../../telemetry/telemetryConfig';
import { parseCommandLine, UsageError, type CliCommand, resolveWorkspace } from '../io';

const OPTIONS = { cwd: { type: 'string' }, json: { type: 'boolean' }, check: { type: 'string' }, timeout: { type: 'string' } } as const;

export const doctorCommand: CliCommand = {
  name: 'doctor',
  usage: 'doctor [--cwd DIR] [--check CMD] [--timeout MS] [--json]',
  summary: 'the startup report: versions, providers (never a key), database, memory index, check command, limits, telemetry; exit 1 on a problem',
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    if (positionals.length) throw new UsageError(`doctor takes no arguments, got '${positionals[0]}'`);
    const root = resolveWorkspace(io.cwd, values.cwd);
    const timeout = values.timeout === undefined ? 3000 : Number(values.timeout);
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 60_000) throw new UsageError('--timeout takes milliseconds from 1 to 60000');
    let configError: string | undefined;
    let config;
    try {
      config = loadProviderConfigFromEnv(io.env);
    } catch (err) {
      configError = (err as Error).message;
      config = loadProviderConfigFromEnv({ ...io.env, CODECOMPANION_FALLBACK: '', CODECOMPANION_PRICING: '' });
    }
    const keySources: Partial<Record<SdkProvider, string>> = {};
    for (const p of SDK_PROVIDERS) {
      if (io.env[ENV_KEYS[p].key]) keySources[p] = ENV_KEYS[p].key;
      else if (p === 'gemini' && io.env.GOOGLE_API_KEY) keySources[p] = 'GOOGLE_API_KEY';
    }
    let rateLimits = {};
    try {
      rateLimits = parseRateLimits(io.env.CODECOMPANION_RATE_LIMITS, 'CODECOMPANION_RATE_LIMITS');
    } catch (err) {
      configError ??= (err as Error).message;
    }
    let telemetry: { on: boolean; line: string; error?: boolean };
    try {
      const t = telemetryConfig(io.env);
      telemetry = { on: t !== undefined, line: describeTelemetry(t) };
    } catch (err) {
      telemetry = { on: false, error: true, line: `${(err as Error).message}; nothing is exported` };
    }
    const report = await diagnose({
      root,
      host: { name: 'cli' },
      config,
      keySources,
      checkCommand: checkCommandFor(root, values.check),
      rateLimits,
      telemetry,
      reachTimeoutMs: timeout,
      signal: io.signal,
      env: io.env,
    });
    const findings = configError ? [...report.findings, { area: 'controls' as const, name: 'configuration', status: 'error' as const, line: configError }] : report.findings;
    const full = { ...report, findings };
    io.stdout.write(values.json ? JSON.stringify(full, null, 2) + '\n' : renderReport(full));
    return doctorExitCode(full);
  },
};

function checkCommandFor(root: string, flag: string | undefined): { command: string | null; why: string } {
  if (flag?.trim()) return { command: flag.trim(), why: 'from --check' };
  let hasTest = false;
  try {
    hasTest = Boolean((JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: { test?: string } }).scripts?.test);
  } catch {
    // no package.json, or not one we can read: no suggestion
  }
  return { command: null, why: `a run validates patches by applying them only unless given --check CMD${hasTest ? " (this workspace's package.json has a test script: --check 'npm test')" : ''}` };
}
