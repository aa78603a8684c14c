// Assembles the engine for one CLI invocation: the workspace database, the model clients (real SDKs
// from the environment, or a recorded session), the router's candidates and what the store knows
// of past runs (performance, today's spend).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEvent, type RecordedEvent } from '../core/events';
import type { ModelClient, PriceBook, ProviderId } from '../core/ports/model';
import { PerformanceStore } from '../core/performance/performanceStore';
import type { ModelCandidate } from '../core/router/router';
import { SessionRecorder, SessionReplayer } from '../core/replay/session';
import { defaultCandidates, parseCandidates } from '../providers/candidates';
import { loadProviderConfigFromEnv } from '../providers/config';
import { PricingTable } from '../providers/pricing';
import { createProviderRegistry } from '../providers/registry';
import { SqlEventStore } from '../storage/sqlEventStore';
import { openWorkspaceDatabase, type OpenMode, type WorkspaceDatabase } from '../storage/workspaceDatabase';
import { UsageError } from './io';

export interface OpenedStore {
  readonly db: WorkspaceDatabase;
  readonly store: SqlEventStore;
  close(): Promise<void>;
}

export async function openStore(root: string, mode: OpenMode, purpose: string): Promise<OpenedStore> {
  const db = await openWorkspaceDatabase(root, { mode, lockTimeoutMs: mode === 'write' ? 10_000 : 0, purpose });
  const store = new SqlEventStore(db);
  return { db, store, close: () => store.close() };
}

export function resolveWorkspace(cwd: string, dir: string | undefined): string {
  const root = path.resolve(cwd, dir ?? '.');
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new UsageError(`--cwd ${dir}: no such directory`);
  return root;
}

export interface Models {
  readonly models: (provider: ProviderId) => ModelClient | undefined;
  readonly candidates: readonly ModelCandidate[];
  readonly prices: PriceBook;
  /** How the models are reached, for the progress line: "replaying FILE" or the providers. */
  readonly source: string;
}

export function loadModels(env: NodeJS.ProcessEnv, options: { replay?: string; record?: string; models?: string }): Models {
  if (options.replay) {
    const replayer = new SessionReplayer(options.replay);
    const clients = new Map<ProviderId, ModelClient>();
    const candidates = options.models ? parseCandidates(options.models) : replayer.header.candidates;
    const prices = new PricingTable(loadProviderConfigFromEnv(env).prices ?? {});
    return {
      models: (p) => {
        if (!clients.has(p)) clients.set(p, replayer.client(p));
        return clients.get(p);
      },
      candidates,
      prices,
      source: `replaying ${replayer.exchangeCount} recorded exchanges from ${options.replay} (no network)`,
    };
  }
  const config = loadProviderConfigFromEnv(env);
  const registry = createProviderRegistry(config);
  const configured = registry.configured();
  const candidates = options.models ?? env.CODECOMPANION_MODELS ? parseCandidates((options.models ?? env.CODECOMPANION_MODELS)!) : defaultCandidates(registry);
  const usable = candidates.filter((c) => configured.includes(c.provider as never));
  if (usable.length === 0)
    throw new UsageError(
      'no model provider is configured: set ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY (or OPENAI_COMPATIBLE_BASE_URL for a local server), or answer from a recording with --replay FILE',
    );
  const recorder = options.record ? new SessionRecorder(options.record, usable) : undefined;
  return {
    models: (p) => {
      const client = registry.client(p);
      return client && recorder ? recorder.wrap(client) : client;
    },
    candidates: usable,
    prices: registry.priceBook,
    source: `${[...new Set(usable.map((c) => c.provider))].join(', ')}${recorder ? `, recording to ${options.record}` : ''}`,
  };
}

/** Every event in the store, parsed; events of unknown types (a newer version) are skipped. */
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

export async function pastRuns(store: SqlEventStore, now: number): Promise<{ performance: PerformanceStore; daySpentUsd: number }> {
  const events = await allEvents(store);
  const dayStart = new Date(now).setHours(0, 0, 0, 0);
  let daySpentUsd = 0;
  for (const e of events)
    if (e.ts >= dayStart && (e.type === 'agent.call.finished' || e.type === 'agent.call.failed')) daySpentUsd += e.data.costUsd ?? 0;
  return { performance: PerformanceStore.fromEvents(events), daySpentUsd };
}
