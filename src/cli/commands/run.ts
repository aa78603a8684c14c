// codecompanion run "OBJECTIVE" | run --sample | resume RUN_ID
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConsensusRuleSchema, ValidatorModeSchema, type RecordedEvent, type RunOptions } from '../../core/events';
import { evolve, initialRunState, type RunState } from '../../core/orchestrator/runState';
import { type Models } from '../../app/engine';
import { openStore, type OpenedStore } from '../../app/openStore';
import { parseCandidates } from '../../providers/candidates';
import { PricingTable } from '../../providers/pricing';
import { remoteClients } from '../../team/remoteModels';
import { remoteChecks } from '../../team/remoteChecks';
import { REDIS_URL_ENV, redactRedisUrl, TeamBusError } from '../../team/redisConnection';
import { openTeamBus, trimPolicyFromEnv, type TeamBus } from '../../team/teamBus';
import { proposeFinishedRun } from '../../app/review/workspaceReview';
import { performWork, type Work } from '../../app/runWork';
import { loadModels } from '../engine';
import { parseCommandLine, usdAmount as money, UsageError, wholeNumber as int, type CliCommand, type CliIo, resolveWorkspace } from '../io';
import { embedderFromEnv } from './memory';
import { describeEvent } from '../../app/eventText';
import { statusLine, summary } from '../progress';
import { normalize } from '../../core/patch/applyPatch';
import { SENSITIVE_PATHS_ENV, SensitivePaths } from '../../core/patch/sensitivePaths';
import { telemetryConfig } from '../../telemetry/telemetryConfig';
import { loadTelemetry } from '../../telemetry/loadTelemetry';
import { codecompanionVersion } from '../../app/version';
import { parseRateLimits, providerLimits, withFlagLimits } from '../../app/providerLimits';
import { Redactor } from '../../core/security/redaction';
import { parseVariableList, refusedCheckVariables } from '../../core/sandbox/checkEnvironment';
import { containment, describeContainment } from '../../core/sandbox/containment';
import type { CheckHost } from '../../core/orchestrator/checkCommand';
import { COMPLEXITIES, describePinned, PIN_FLAG, pinnedModels } from '../pinnedModels';

const OPTIONS = {
  cwd: { type: 'string' },
  budget: { type: 'string' },
  'daily-budget': { type: 'string' },
  'allow-unpriced': { type: 'boolean' },
  apply: { type: 'boolean' },
  json: { type: 'boolean' },
  record: { type: 'string' },
  replay: { type: 'string' },
  models: { type: 'string' },
  'models-low': { type: 'string' },
  'models-medium': { type: 'string' },
  'models-high': { type: 'string' },
  consensus: { type: 'string' },
  validator: { type: 'string' },
  reviewers: { type: 'string' },
  rounds: { type: 'string' },
  check: { type: 'string' },
  'check-env': { type: 'string', multiple: true },
  'check-timeout': { type: 'string' },
  'no-explore': { type: 'boolean' },
  seed: { type: 'string' },
  sample: { type: 'boolean' },
  reason: { type: 'string', multiple: true },
  redis: { type: 'string' },
  'remote-calls': { type: 'boolean' },
  'remote-checks': { type: 'boolean' },
  'allow-sensitive': { type: 'string', multiple: true },
  fallback: { type: 'string' },
  rpm: { type: 'string', multiple: true },
  tpm: { type: 'string', multiple: true },
} as const;

type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];

export const runCommand: CliCommand = {
  name: 'run',
  usage: 'run "OBJECTIVE" [--cwd DIR] [--budget USD] [--apply [--allow-sensitive PATH ...]] [--json] [--models P:M,...] [--models-low|--models-medium|--models-high P:M,...] [--validator off|disagreement|always] [--redis URL [--remote-calls] [--remote-checks]] [--check CMD] [--check-env NAME,...] [--fallback P[:M]] [--rpm P=N] [--tpm P=N] [--record FILE | --replay FILE] | run --sample',
  summary: 'plan, write, review and validate patches for an objective (--sample: the bundled demo)',
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    if (values.sample) return runSample(io, values);
    const objective = positionals.join(' ').trim();
    if (!objective) throw new UsageError('give the objective, e.g. codecompanion run "add pagination to the users API"');
    return execute(io, values, resolveWorkspace(io.cwd, values.cwd), { objective });
  },
};

export const resumeCommand: CliCommand = {
  name: 'resume',
  usage: 'resume RUN_ID [--cwd DIR] [--json] [--replay FILE]',
  summary: 'continue an interrupted run from its events; finished calls are not paid for again',
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    if (!positionals[0]) throw new UsageError('give the run id (codecompanion runs lists them)');
    return execute(io, values, resolveWorkspace(io.cwd, values.cwd), { resume: positionals[0] });
  },
};

export const reviseCommand: CliCommand = {
  name: 'revise',
  usage: 'revise RUN_ID PATCH_ID --reason "WHY" [--reason ...] [--budget USD] [--cwd DIR] [--json] [--replay FILE]',
  summary: "send an accepted patch back to its author with your reasons; the run's new rounds are reviewed as before",
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    const [runId, patchId] = positionals;
    if (!runId || !patchId) throw new UsageError('give the run id and the patch id (codecompanion replay RUN_ID lists the patches)');
    const reasons = (values.reason ?? []).map((r) => r.trim()).filter(Boolean);
    if (reasons.length === 0) throw new UsageError('say what to change with --reason "..."');
    const budgetUsd = values.budget !== undefined ? money(values.budget, '--budget') : undefined;
    return execute(io, { ...values, budget: undefined }, resolveWorkspace(io.cwd, values.cwd), { revise: { runId, patchId, reasons, ...(budgetUsd !== undefined ? { budgetUsd } : {}) } });
  },
};


async function execute(io: CliIo, values: Values, root: string, what: Work, extra: Partial<RunOptions> = {}): Promise<number> {
  const options = { ...runOptions(values), ...extra };
  if (values['remote-calls'] && !(values.redis ?? io.env[REDIS_URL_ENV])) throw new UsageError(`--remote-calls sends the model calls to team workers: give the team's Redis with --redis URL or ${REDIS_URL_ENV}`);
  if (values['remote-checks'] && !(values.redis ?? io.env[REDIS_URL_ENV])) throw new UsageError(`--remote-checks sends the check command to team workers started with --allow-check: give the team's Redis with --redis URL or ${REDIS_URL_ENV}`);
  const local = values['remote-calls'] ? teamCandidates(io.env, values) : loadModels(io.env, { ...(values.replay ? { replay: path.resolve(io.cwd, values.replay) } : {}), ...(values.record ? { record: path.resolve(io.cwd, values.record) } : {}), ...(values.models ? { models: values.models } : {}), ...(values.fallback ? { fallback: values.fallback } : {}) });
  const pinned = pinnedModels(io.env, Object.fromEntries(COMPLEXITIES.flatMap((l) => (values[PIN_FLAG[l]] === undefined ? [] : [[l, values[PIN_FLAG[l]]]]))), local.candidates);
  const limits = rateLimits(io.env, values);
  let exportConfig;
  try {
    exportConfig = telemetryConfig(io.env, {}, codecompanionVersion());
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const opened = await openStore(root, 'write', 'codecompanion run');
  const team = await joinTeam(io, values, opened, root);
  // --remote-calls: every model call becomes a job for the team's workers, run on their keys
  const models = team && values['remote-calls'] ? { ...local, models: remoteClients(team.client, remoteOptions(io.env)), source: `${local.source}; calls run by team workers` } : local;
  const telemetry = await loadTelemetry(exportConfig);
  let state: RunState = initialRunState('');
  const live = io.isTty && !values.json;
  let lastStatus = 0;
  const onEvent = (e: RecordedEvent) => {
    state = state.runId === e.runId ? evolve(state, e) : evolve(initialRunState(e.runId), e);
    // --json: each line is printed only once its event is durable (onEvent fires after the append)
    if (values.json) io.stdout.write(`${JSON.stringify({ runId: e.runId, seq: e.seq, ts: e.ts, type: e.type, data: e.data })}\n`);
    const line = e.type === 'agent.call.streamed' ? undefined : describeEvent(e);
    if (live) {
      io.clearLine();
      if (line) io.stderr.write(`${line}\n`);
      if (Date.now() - lastStatus > 100 || line) {
        io.stderr.write(statusLine(state, (io.stderr as NodeJS.WriteStream).columns ?? 100));
        lastStatus = Date.now();
      }
    } else if (line && !values.json) io.stderr.write(`${line}\n`);
  };
  try {
    io.stderr.write(`models: ${models.source}\n`);
    const pins = describePinned(pinned);
    if (pins) io.stderr.write(`models pinned per task complexity: ${pins}\n`);
    const remoteCheck = team && values['remote-checks'] ? remoteChecks(team.client, remoteOptions(io.env)) : undefined;
    if (options.checkCommand) io.stderr.write(`check command runs ${remoteCheck ? "on the team's workers started with --allow-check, in their sandbox" : `under: ${describeContainment(containment(io.env))}`}\n`);
    const embedder = values.replay ? undefined : embedderFromEnv(io.env);
    const extra = {
      limits,
      sensitive: { paths: SensitivePaths.fromList(io.env[SENSITIVE_PATHS_ENV]), allow: new Set((values['allow-sensitive'] ?? []).map(normalize)) },
      telemetry: telemetry.telemetry,
      check: checkHost(io, values),
      ...(remoteCheck ? { checks: remoteCheck } : {}),
      redactor: Redactor.fromEnv(io.env, models.secrets ?? []),
      pinned,
      ...(team ? { bus: team.publisher } : {}),
    };
    const final = await performWork({ root, opened, models, embedder, onEvent, extra, signal: io.signal }, 'objective' in what ? { ...what, options } : what);
    if (live) io.clearLine();
    if (!values.json) io.stdout.write(summary(final));
    if (final.status === 'completed') await proposeForReview(io, root, opened, final, what, values.json === true);
    return final.status === 'completed' ? applyExitCode(final) : final.status === 'cancelled' ? 130 : 1;
  } finally {
    // sends what is buffered (bounded by the exporter's timeout); a collector that is down costs a warning, never the run
    await telemetry.shutdown();
    await team?.close(); // flushes what Redis can take; the rest is in the local log for the next publisher
    await opened.close();
  }
}

/** What the run accepted and did not apply is pending review, as in the editor (`codecompanion review`). */
async function proposeForReview(io: CliIo, root: string, opened: OpenedStore, final: RunState, what: Work, json: boolean): Promise<void> {
  const proposed = await proposeFinishedRun(root, opened.store, final, 'revise' in what ? what.revise.patchId : undefined);
  if (proposed.length && !json) io.stderr.write(`${proposed.length} patch(es) pending review: codecompanion review ${final.runId}\n`);
}

/**
 * A completed run whose accepted patches were applied: 0; 1 when a patch could not be applied (so a
 * script never takes "nothing was written" for success); 4 when everything else was applied but
 * sensitive files wait for explicit acceptance.
 */

export function applyExitCode(final: RunState): number {
  const patches = Object.values(final.patches);
  if (patches.some((p) => p.status === 'apply_failed')) return 1;
  if (patches.some((p) => p.held?.length)) return 4;
  return 0;
}

/** CODECOMPANION_RATE_LIMITS (JSON), then --rpm / --tpm PROVIDER=N on top. */
function rateLimits(env: NodeJS.ProcessEnv, values: Values) {
  try {
    const fromEnv = parseRateLimits(env.CODECOMPANION_RATE_LIMITS, 'CODECOMPANION_RATE_LIMITS');
    return providerLimits(withFlagLimits(withFlagLimits(fromEnv, '--rpm', values.rpm ?? []), '--tpm', values.tpm ?? []));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * What a check command gets from this environment: the allowlist plus the names given with
 * --check-env or CODECOMPANION_CHECK_ENV. A name that looks like a secret is refused, and said so.
 */
function checkHost(io: CliIo, values: Values): CheckHost {
  const pass = parseVariableList([...(io.env.CODECOMPANION_CHECK_ENV ? [io.env.CODECOMPANION_CHECK_ENV] : []), ...(values['check-env'] ?? [])]);
  for (const r of refusedCheckVariables(pass, io.env)) io.stderr.write(`check command: not passing ${r.name}: ${r.why}\n`);
  return { env: io.env, pass };
}

/**
 * With --remote-calls this machine needs no key: the candidates come from --models or
 * CODECOMPANION_MODELS (the workers hold the keys), else from the providers configured here.
 */
function teamCandidates(env: NodeJS.ProcessEnv, values: Values): Models {
  const list = values.models ?? env.CODECOMPANION_MODELS;
  if (!list) return loadModels(env, values.fallback ? { fallback: values.fallback } : {});
  let candidates;
  try {
    candidates = parseCandidates(list);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return { models: () => undefined, candidates, prices: new PricingTable(), source: `${list} on the team's workers` };
}

function remoteOptions(env: NodeJS.ProcessEnv) {
  const wait = env.CODECOMPANION_REMOTE_WAIT_MS;
  if (wait === undefined) return {};
  if (!/^\d+$/.test(wait)) throw new UsageError('CODECOMPANION_REMOTE_WAIT_MS takes milliseconds');
  return { waitMs: Number(wait) };
}

/** --redis URL or CODECOMPANION_REDIS_URL: publish this run's events for the team (see src/team). */
async function joinTeam(io: CliIo, values: Values, opened: OpenedStore, root: string): Promise<TeamBus | undefined> {
  const url = values.redis ?? io.env[REDIS_URL_ENV];
  if (!url) return undefined;
  try {
    const team = await openTeamBus(url, opened.store, root, trimPolicyFromEnv(io.env), (status) =>
      io.stderr.write(status.state === 'ok' ? 'team bus: back, caught up from the local log\n' : `team bus degraded (${status.reason}): the run goes on from the local log\n`),
    );
    io.stderr.write(`team bus: publishing to ${redactRedisUrl(url)}\n`);
    return team;
  } catch (err) {
    await opened.close();
    if (err instanceof TeamBusError) throw new UsageError(err.message);
    throw err;
  }
}

function runOptions(values: Values): Partial<RunOptions> {
  const out: { -readonly [K in keyof RunOptions]?: RunOptions[K] } = {};
  if (values.budget !== undefined) out.budgetUsd = money(values.budget, '--budget');
  if (values['daily-budget'] !== undefined) out.dailyBudgetUsd = money(values['daily-budget'], '--daily-budget');
  if (values['allow-unpriced']) out.allowUnpriced = true;
  if (values.apply) out.apply = true;
  if (values.consensus !== undefined) {
    const rule = ConsensusRuleSchema.safeParse(values.consensus);
    if (!rule.success) throw new UsageError(`--consensus must be one of ${ConsensusRuleSchema.options.join(', ')}`);
    out.consensus = rule.data;
  }
  if (values.validator !== undefined) {
    const mode = ValidatorModeSchema.safeParse(values.validator);
    if (!mode.success) throw new UsageError(`--validator must be one of ${ValidatorModeSchema.options.join(', ')}`);
    out.validator = mode.data;
  }
  if (values.reviewers !== undefined) out.reviewersPerPatch = int(values.reviewers, '--reviewers', 1, 5);
  if (values.rounds !== undefined) out.maxRounds = int(values.rounds, '--rounds', 1, 10);
  if (values.check !== undefined) out.checkCommand = values.check;
  if (values['check-timeout'] !== undefined) out.checkTimeoutMs = int(values['check-timeout'], '--check-timeout', 1, 86_400) * 1000;
  if (values['no-explore']) out.explore = false;
  if (values.seed !== undefined) out.seed = int(values.seed, '--seed', 0, 2 ** 31 - 1);
  return out;
}

/**
 * The bundled demo: the sample objective on a fresh copy of the sample workspace, through the whole
 * pipeline (plan, parallel coders, cross-model review, the check command in a scratch copy, apply).
 * With an API key in the environment it uses the real models; without one it answers from the
 * recorded session, so it works on any machine.
 */
async function runSample(io: CliIo, values: Values): Promise<number> {
  const samples = findSamples();
  const sample = JSON.parse(fs.readFileSync(path.join(samples, 'sample.json'), 'utf8')) as { objective: string; checkCommand: string; budgetUsd: number; reviewers: number; session: string };
  const keyed = ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'OPENAI_COMPATIBLE_BASE_URL'].some((k) => io.env[k]);
  const replay = values.replay ?? (values.record || keyed ? undefined : path.join(samples, sample.session));
  const root = values.cwd ? resolveWorkspace(io.cwd, values.cwd) : fs.mkdtempSync(path.join(os.tmpdir(), 'codecompanion-sample-'));
  fs.cpSync(path.join(samples, 'workspace'), root, { recursive: true });
  io.stderr.write(`sample workspace: ${root}\n${replay ? '' : 'an API key is set: using the real models\n'}`);
  const code = await execute(io, { ...values, ...(replay ? { replay } : {}) }, root, { objective: sample.objective }, {
    apply: true,
    checkCommand: values.check ?? sample.checkCommand,
    reviewersPerPatch: values.reviewers !== undefined ? int(values.reviewers, '--reviewers', 1, 5) : sample.reviewers,
    budgetUsd: values.budget !== undefined ? money(values.budget, '--budget') : sample.budgetUsd,
  });
  if (!values.json) io.stdout.write(`\nThe sample workspace, with the accepted patches applied, is in ${root}\n`);
  return code;
}

function findSamples(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'samples');
    if (fs.existsSync(path.join(candidate, 'sample.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error('the bundled samples/ folder is missing from this installation');
  }
}
