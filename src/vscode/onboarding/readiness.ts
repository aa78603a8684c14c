// Whether a run could call any model, decided before any prompt: from a few settings, the keys
// (SecretStorage, then the environment) and the VS Code language models. Plain data, tested in Node;
// light on purpose (no zod, no event schemas): the entry bundle runs it before the first prompt.
import { ENV_KEYS, SDK_PROVIDERS, type SdkProvider } from '../../providers/config';

/** The settings the check reads (codecompanion.replaySession, .languageModels, .providers.*.baseUrl). */
export interface SetupSettings {
  readonly replaySession: string;
  readonly languageModels: string;
  readonly baseUrls: Partial<Record<SdkProvider, string>>;
}

export const BASE_URL_SETTING: Record<SdkProvider, string> = { anthropic: 'providers.anthropic.baseUrl', openai: 'providers.openai.baseUrl', gemini: 'providers.gemini.baseUrl', 'openai-compatible': 'providers.openaiCompatible.baseUrl' };

export function setupSettingsFrom(get: (key: string) => unknown): SetupSettings {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const baseUrls: Partial<Record<SdkProvider, string>> = {};
  for (const p of SDK_PROVIDERS) baseUrls[p] = text(get(BASE_URL_SETTING[p]));
  return { replaySession: text(get('replaySession')), languageModels: text(get('languageModels')) || 'fallback', baseUrls };
}

/** The providers a run would have: a vendor needs a key, a local server only its URL (as providerConfigFrom decides). */
export function configuredProviders(settings: SetupSettings, keys: Partial<Record<SdkProvider, string>>, env: Record<string, string | undefined>): SdkProvider[] {
  return SDK_PROVIDERS.filter((p) => (p === 'openai-compatible' ? settings.baseUrls[p]?.trim() || env[ENV_KEYS[p].baseUrl] : keys[p] || env[ENV_KEYS[p].key] || (p === 'gemini' ? env.GOOGLE_API_KEY : undefined)));
}

export interface ModelSetup {
  readonly ready: boolean;
  /** What would answer the calls, for the log and the onboarding message. */
  readonly source: 'providers' | 'replay' | 'vscode-lm' | 'none';
  readonly providers: readonly SdkProvider[];
  readonly languageModels: number;
}

export function modelSetupFrom(settings: SetupSettings, keys: Partial<Record<SdkProvider, string>>, env: Record<string, string | undefined>, languageModels: number): ModelSetup {
  const providers = configuredProviders(settings, keys, env);
  const lm = settings.languageModels !== 'off' ? languageModels : 0;
  const source = settings.replaySession.trim() ? 'replay' : providers.length ? 'providers' : lm > 0 ? 'vscode-lm' : 'none';
  return { ready: source !== 'none', source, providers, languageModels };
}

/**
 * A check command suggested from the workspace's files, so "validated" means something by default:
 * `has(name)` says whether a file exists at the root, `read(name)` returns its text.
 */
export function suggestCheckCommand(has: (name: string) => boolean, read: (name: string) => string | undefined): string | undefined {
  if (has('package.json')) {
    try {
      const pkg = JSON.parse(read('package.json') ?? '{}') as { scripts?: Record<string, unknown> };
      const test = pkg.scripts?.test;
      // npm init's placeholder fails on purpose: no tests
      if (typeof test === 'string' && test.trim() && !/no test specified/.test(test)) return 'npm test';
    } catch {
      // an unreadable package.json suggests nothing
    }
  }
  if (has('pytest.ini') || has('pyproject.toml') || has('setup.cfg') || has('tox.ini') || has('conftest.py')) return 'python -m pytest -q';
  if (has('go.mod')) return 'go test ./...';
  if (has('Cargo.toml')) return 'cargo test';
  if (has('pom.xml')) return 'mvn -q test';
  if (has('build.gradle') || has('build.gradle.kts')) return './gradlew test';
  return undefined;
}
