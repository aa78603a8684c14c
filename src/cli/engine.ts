// The CLI's side of assembling the engine: the workspace folder from --cwd and the models from the
// environment. The assembly itself is shared with the editor (src/app/engine.ts).
import { loadModels as loadEngineModels, SetupError, type Models } from '../app/engine';
import { loadProviderConfigFromEnv, SET_A_PROVIDER } from '../providers/config';
import { UsageError } from './io';

export function loadModels(env: NodeJS.ProcessEnv, options: { replay?: string; record?: string; models?: string; fallback?: string }): Models {
  // a recording names its own candidates; the environment's list applies to live providers only
  const models = options.models ?? (options.replay ? undefined : env.CODECOMPANION_MODELS);
  try {
    let config;
    try {
      config = loadProviderConfigFromEnv(options.fallback ? { ...env, CODECOMPANION_FALLBACK: options.fallback } : env);
    } catch (err) {
      // a bad --fallback is a usage error (with the usage); the environment's is a ConfigError (exit 2, one line)
      if (options.fallback) throw new UsageError((err as Error).message.replace('CODECOMPANION_FALLBACK', '--fallback'));
      throw err;
    }
    return loadEngineModels({
      config,
      ...(options.replay ? { replay: options.replay } : {}),
      ...(options.record ? { record: options.record } : {}),
      ...(models ? { models, modelsSource: options.models ? '--models' : 'CODECOMPANION_MODELS' } : {}),
      noProviderHint:
        `no model provider is configured: ${SET_A_PROVIDER}, or answer from a recording with --replay FILE`,
    });
  } catch (err) {
    if (err instanceof SetupError) throw new UsageError(err.message);
    throw err;
  }
}
