// Models pinned per task complexity on the command line (--models-low/-medium/-high) or in the
// environment (CODECOMPANION_MODELS_LOW/_MEDIUM/_HIGH): the CLI's side of the editor's
// codecompanion.models.low / medium / high. The flag wins over the variable. A pin the run cannot
// use (not among its candidates) is refused here, where the editor's router would only ignore it.
import type { Complexity } from '../core/artifacts/schemas';
import type { ModelCandidate, RouterOptions } from '../core/router/router';
import { parseCandidates } from '../providers/candidates';
import { ConfigError } from '../providers/configError';
import { UsageError } from './io';

export const COMPLEXITIES = ['low', 'medium', 'high'] as const satisfies readonly Complexity[];
export const PIN_FLAG: Record<Complexity, `models-${Complexity}`> = { low: 'models-low', medium: 'models-medium', high: 'models-high' };
export const PIN_ENV: Record<Complexity, string> = { low: 'CODECOMPANION_MODELS_LOW', medium: 'CODECOMPANION_MODELS_MEDIUM', high: 'CODECOMPANION_MODELS_HIGH' };

export type Pinned = NonNullable<RouterOptions['pinned']>;

/**
 * The pins for the router, each checked against the candidates this run may use. A flag's error is
 * a UsageError, a variable's a ConfigError: both exit 2 with one line naming where the value came from.
 */
export function pinnedModels(env: NodeJS.ProcessEnv, flags: Partial<Record<Complexity, string>>, candidates: readonly ModelCandidate[]): Pinned {
  const out: { -readonly [K in Complexity]?: Pinned[K] } = {};
  for (const level of COMPLEXITIES) {
    const fromFlag = flags[level] !== undefined;
    const value = fromFlag ? flags[level] : env[PIN_ENV[level]];
    if (value === undefined) continue;
    const source = fromFlag ? `--${PIN_FLAG[level]}` : PIN_ENV[level];
    const fail = (message: string) => (fromFlag ? new UsageError(message) : new ConfigError(message));
    let entries: ModelCandidate[];
    try {
      entries = parseCandidates(value, source);
    } catch (err) {
      throw fail((err as Error).message);
    }
    for (const e of entries)
      if (!candidates.some((c) => c.provider === e.provider && c.model === e.model))
        throw fail(`${source}: ${e.provider}:${e.model} is not among the models this run may use (${candidates.map((c) => `${c.provider}:${c.model}`).join(', ') || 'none'}); add it to --models or CODECOMPANION_MODELS`);
    out[level] = entries.map(({ provider, model }) => ({ provider, model }));
  }
  return out;
}

/** "low → openai:gpt-5-mini; high → anthropic:claude-sonnet-4-6", or undefined when nothing is pinned. */
export function describePinned(pinned: Pinned): string | undefined {
  const parts = COMPLEXITIES.filter((l) => pinned[l]?.length).map((l) => `${l} → ${pinned[l]!.map((m) => `${m.provider}:${m.model}`).join(', ')}`);
  return parts.length ? parts.join('; ') : undefined;
}
