// Assembles the engine for one host (the CLI or the editor): the workspace database, the model
// clients (real SDKs from a ProviderConfig, or a recorded session), the router's candidates and
// what the store knows of past runs (performance, today's spend, from their projections). Each host reads its own
// configuration (environment, settings + SecretStorage) into a ProviderConfig and calls this.
import { parseEvent, type RecordedEvent } from '../core/events';
import type { ModelClient, PriceBook, ProviderId } from '../core/ports/model';
import { PerformanceStore } from '../core/performance/performanceStore';
import type { ModelCandidate } from '../core/router/router';
import { SessionRecorder, SessionReplayer } from '../core/replay/session';
import { defaultCandidates, parseCandidates } from '../providers/candidates';
import type { ProviderConfig } from '../providers/config';
import { PricingTable } from '../providers/pricing';
import { createProviderRegistry } from '../providers/registry';
import { readModelStats } from '../storage/projections/modelPerformance';
import { daySpentUsd } from '../storage/projections/spend';
import { SqlEventStore } from '../storage/sqlEventStore';

/** Configuration the user has to fix; the message says how. */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}

export interface Models {
  readonly models: (provider: ProviderId) => ModelClient | undefined;
  readonly candidates: readonly ModelCandidate[];
  readonly prices: PriceBook;
  /** How the models are reached, for a progress line: "replaying FILE" or the providers. */
  readonly source: string;
  /** The configured keys (environment or SecretStorage): what the run's redactor scrubs. */
  readonly secrets?: readonly string[];
}

/** Models the host reaches by itself (the editor's vscode.lm), offered next to the SDK providers. */
export interface ExtraModels {
  readonly provider: ProviderId;
  readonly client: ModelClient;
  readonly candidates: readonly ModelCandidate[];
  readonly prices?: PriceBook;
}

export interface ModelOptions {
  readonly config: ProviderConfig;
  /** Answer from this recorded session (absolute path), with no network. */
  readonly replay?: string;
  readonly record?: string;
  /** "provider:model,..." restricting the candidates. */
  readonly models?: string;
  /** Where `models` came from, for its error message (default CODECOMPANION_MODELS). */
  readonly modelsSource?: string;
  /** Candidates chosen by the host (per-role settings); take precedence over `models`. */
  readonly candidates?: readonly ModelCandidate[];
  readonly extra?: ExtraModels;
  /** What to tell the user when nothing is configured. */
  readonly noProviderHint: string;
}

export function loadModels(options: ModelOptions): Models {
  const secrets = Object.values(options.config.providers).flatMap((p) => (p?.apiKey ? [p.apiKey] : []));
  if (options.replay) {
    const replayer = new SessionReplayer(options.replay);
    const clients = new Map<ProviderId, ModelClient>();
    const candidates = options.candidates?.length ? options.candidates : options.models ? parseCandidates(options.models, options.modelsSource) : replayer.header.candidates;
    return {
      models: (p) => {
        if (!clients.has(p)) clients.set(p, replayer.client(p));
        return clients.get(p);
      },
      candidates,
      prices: new PricingTable(options.config.prices ?? {}),
      source: `replaying ${replayer.exchangeCount} recorded exchanges from ${options.replay} (no network)`,
      secrets,
    };
  }
  const registry = createProviderRegistry(options.config);
  const configured: ProviderId[] = [...registry.configured(), ...(options.extra ? [options.extra.provider] : [])];
  const all = options.candidates?.length
    ? options.candidates
    : options.models
      ? parseCandidates(options.models, options.modelsSource)
      : [...defaultCandidates(registry), ...(options.extra?.candidates ?? [])];
  const usable = all.filter((c) => configured.includes(c.provider));
  if (usable.length === 0) throw new SetupError(options.noProviderHint);
  const recorder = options.record ? new SessionRecorder(options.record, usable) : undefined;
  const extra = options.extra;
  const prices: PriceBook = extra?.prices
    ? { priceOf: (p, m) => (p === extra.provider ? extra.prices!.priceOf(p, m) : registry.priceBook.priceOf(p, m)) }
    : registry.priceBook;
  return {
    models: (p) => {
      const client = p === extra?.provider ? extra.client : registry.client(p);
      return client && recorder ? recorder.wrap(client) : client;
    },
    candidates: usable,
    prices,
    source: `${[...new Set(usable.map((c) => c.provider))].join(', ')}${recorder ? `, recording to ${options.record}` : ''}`,
    secrets,
  };
}

/**
 * Every event in the store, parsed; events of unknown types (a newer version) are skipped. Only for
 * what is about the whole history (`codecompanion stats`): runs and activation read projections.
 */
export async function allEvents(store: SqlEventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for (let from = 1; ; ) {
    const page = await store.readAll(from, 10_000);
    for (const e of page) {
      try {
        out.push(parseEvent(e));
      } catch {
        // not ours to fold
      }
    }
    if (page.length < 10_000) return out;
    from = page[page.length - 1]!.globalSeq + 1;
  }
}

/**
 * The events of the runs changed since `sinceTs` (by their summaries), run by run, yielding between
 * runs: what a window over recent history costs is the window, not the whole log.
 */
export async function eventsOfRunsSince(store: SqlEventStore, sinceTs: number): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  const runIds = store.read<{ run_id: string }>('SELECT run_id FROM run_summaries WHERE updated_at >= ? ORDER BY created_at', [sinceTs]).map((r) => r.run_id);
  for (const runId of runIds) {
    for (const e of await store.readRun(runId)) {
      try {
        out.push(parseEvent(e));
      } catch {
        // not ours to fold
      }
    }
    await new Promise((r) => setImmediate(r));
  }
  return out;
}

/**
 * What earlier runs left for the next one: the router's measured performance and today's spend, read
 * from their persisted projections (a few rows), never from the events.
 */
export function pastRuns(store: SqlEventStore, now: number): { performance: PerformanceStore; daySpentUsd: number } {
  return { performance: PerformanceStore.fromStats(readModelStats(store.read)), daySpentUsd: daySpentUsd(store.read, now) };
}
